/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dstack's identities (<snpm/dstack.h>): the MrConfigV3 document HOST_DATA binds, a report's
 * mr_system, mr_aggregated and device_id, and measurement.snp.cbor read with libcbor and written
 * as dstack-mr's ciborium writes it.
 */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <json-c/json.h>

#include <snpm/dstack.h>

#include "../ovmf/ovmf_internal.h"
#include "../core/cbor.h"
#include "../core/crypto.h"
#include "../core/json.h"

/* ---- hashing ---- */

static int sha256_parts(const void *const *parts, const size_t *lens, size_t n, uint8_t out[32],
			struct snpm_error *reterr)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, parts[i], lens[i]) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : snpm_fail_crypto(reterr, "SHA-256");
}

#define HOST_DATA_DOMAIN "dstack-mr-config-v3:"

int snpm_dstack_host_data(const uint8_t *doc, size_t len, uint8_t ret[32],
			  struct snpm_error *reterr)
{
	const void *parts[] = { HOST_DATA_DOMAIN, "", doc };
	const size_t lens[] = { strlen(HOST_DATA_DOMAIN), 1, len };

	if (!doc || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no document");
	return sha256_parts(parts, lens, 3, ret, reterr);
}

int snpm_dstack_ids(const struct snpm_report *r, struct snpm_dstack_ids *ret,
		    struct snpm_error *reterr)
{
	const void *m[] = { r->measurement, r->host_data };
	const size_t ml[] = { sizeof(r->measurement), sizeof(r->host_data) };
	const void *chip[] = { r->chip_id };
	const size_t cl[] = { sizeof(r->chip_id) };
	int e = sha256_parts(m, ml, 1, ret->mr_system, reterr);

	if (e == 0)
		e = sha256_parts(m, ml, 2, ret->mr_aggregated, reterr);
	if (e == 0)
		e = sha256_parts(chip, cl, 1, ret->device_id, reterr);
	return e;
}

/* ---- MrConfigV3 ---- */

void snpm_dstack_mr_config_free(struct snpm_dstack_mr_config *c)
{
	if (!c)
		return;
	free(c->key_provider_id);
	c->key_provider_id = NULL;
	c->key_provider_id_len = 0;
}

/* serde_human_bytes: a hex string (either case, even length), decoded to any length. */
static int hex_any(struct json_object *v, const char *key, uint8_t **ret, size_t *ret_len,
		   struct snpm_error *reterr)
{
	const char *s = NULL;
	int r = snpm_json_str(v, key, &s, reterr);
	size_t n = r == 0 ? strlen(s) : 0;

	if (r < 0)
		return r;
	*ret = malloc(n / 2 + 1);
	if (!*ret)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (n % 2 || !snpm_hex_decode(s, *ret, n / 2)) {
		free(*ret);
		*ret = NULL;
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" is not hex", key);
	}
	*ret_len = n / 2;
	return 0;
}

/* A byte field that must have exactly len bytes (dstack-mr's validate_mr_config). */
static int hex_exact(struct json_object *v, const char *key, uint8_t *out, size_t len,
		     struct snpm_error *reterr)
{
	uint8_t *bytes = NULL;
	size_t n = 0;
	int r = hex_any(v, key, &bytes, &n, reterr);

	if (r == 0 && n != len)
		r = snpm_fail(reterr, SNPM_EINVAL, "\"%s\" must be %zu bytes, not %zu", key, len,
			      n);
	if (r == 0)
		memcpy(out, bytes, len);
	free(bytes);
	return r;
}

static int read_init_scripts(struct json_object *v, struct snpm_dstack_mr_config *c,
			     struct snpm_error *reterr)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return snpm_fail(reterr, SNPM_EINVAL, "\"init_script_hashes\" is not a list");
	n = json_object_array_length(v);
	if (n > SNPM_DSTACK_MAX_INIT_SCRIPTS)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "\"init_script_hashes\" supports at most %u hashes",
				 SNPM_DSTACK_MAX_INIT_SCRIPTS);
	c->has_init_script_hashes = true;
	c->n_init_script_hashes = n;
	for (size_t i = 0; i < n; i++) {
		int r = hex_exact(json_object_array_get_idx(v, i), "init_script_hashes[]",
				  c->init_script_hashes[i], 32, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_key_provider(struct json_object *v, struct snpm_dstack_mr_config *c,
			     struct snpm_error *reterr)
{
	static const char *const kinds[] = { "none", "kms", "local", "tpm" };
	const char *s = NULL;
	int r = snpm_json_str(v, "key_provider", &s, reterr);

	for (size_t i = 0; r == 0 && i < 4; i++)
		if (strcmp(s, kinds[i]) == 0) {
			strcpy(c->key_provider, kinds[i]);
			return 0;
		}
	return r < 0 ? r :
		       snpm_fail(reterr, SNPM_EINVAL,
				 "\"key_provider\" '%.20s' is not none, kms, local or tpm", s);
}

static int mr_config_field(struct snpm_dstack_mr_config *c, const char *k, struct json_object *v,
			   struct snpm_error *reterr)
{
	uint64_t version;
	int r;

	/* serde's Option: null is absent. */
	if (json_object_is_type(v, json_type_null) && strcmp(k, "compose_hash") != 0 &&
	    strcmp(k, "key_provider") != 0 && strcmp(k, "version") != 0)
		return 0;
	if (strcmp(k, "version") == 0) {
		if (!json_object_is_type(v, json_type_int))
			return snpm_fail(reterr, SNPM_EINVAL, "\"version\" must be an integer");
		r = snpm_json_u64(v, "version", 255, &version, reterr);
		c->version = (unsigned)version;
		return r;
	}
	if (strcmp(k, "app_id") == 0)
		return c->has_app_id = true, hex_exact(v, k, c->app_id, 20, reterr);
	if (strcmp(k, "compose_hash") == 0)
		return hex_exact(v, k, c->compose_hash, 32, reterr);
	if (strcmp(k, "gpu_policy_hash") == 0)
		return c->has_gpu_policy_hash = true,
		       hex_exact(v, k, c->gpu_policy_hash, 32, reterr);
	if (strcmp(k, "key_provider") == 0)
		return read_key_provider(v, c, reterr);
	if (strcmp(k, "key_provider_id") == 0)
		return hex_any(v, k, &c->key_provider_id, &c->key_provider_id_len, reterr);
	if (strcmp(k, "instance_id") == 0)
		return c->has_instance_id = true, hex_exact(v, k, c->instance_id, 20, reterr);
	if (strcmp(k, "init_script_hashes") == 0)
		return read_init_scripts(v, c, reterr);
	return snpm_json_unknown_key(reterr, "MrConfigV3", k);
}

int snpm_dstack_mr_config_parse(const uint8_t *doc, size_t len, struct snpm_dstack_mr_config *ret,
				struct snpm_error *reterr)
{
	struct snpm_dstack_mr_config c = { .version = 3 };
	struct json_object *o = NULL;
	int r;

	if (!doc || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no document");
	r = snpm_json_parse_bytes(doc, len, &o, reterr);
	if (r == 0) {
		json_object_object_foreach(o, k, v) {
			if (r == 0)
				r = mr_config_field(&c, k, v, reterr);
		}
	}
	if (r == 0 && !json_object_object_get_ex(o, "compose_hash", NULL))
		r = snpm_fail(reterr, SNPM_EINVAL, "MrConfigV3 has no \"compose_hash\"");
	if (r == 0 && !c.key_provider[0])
		r = snpm_fail(reterr, SNPM_EINVAL, "MrConfigV3 has no \"key_provider\"");
	if (r == 0 && c.version != 3)
		r = snpm_fail(reterr, SNPM_EINVAL, "MrConfigV3 \"version\" must be 3, not %u",
			      c.version);
	json_object_put(o);
	if (r < 0) {
		snpm_dstack_mr_config_free(&c);
		return r;
	}
	*ret = c;
	return 0;
}

/* ---- measurement.snp.cbor ---- */

#define SNP_CBOR_VERSION 3u
#define MAX_SECTIONS 64u /* dstack-mr's MAX_OVMF_SECTIONS */

static const char *const cbor_keys[] = { "version",	"cmdline",	 "ovmf_hash",
					 "kernel_hash", "initrd_hash",	 "hashes_table_gpa",
					 "reset_eip",	"ovmf_sections", NULL };

static bool key_is(cbor_item_t *k, const char *name)
{
	size_t n = strlen(name);

	return cbor_isa_string(k) && cbor_string_is_definite(k) && cbor_string_length(k) == n &&
	       memcmp(cbor_string_handle(k), name, n) == 0;
}

static int cbor_u64(cbor_item_t *v, const char *key, uint64_t max, uint64_t *ret,
		    struct snpm_error *reterr)
{
	if (!cbor_isa_uint(v))
		return snpm_fail(reterr, SNPM_EMALFORMED, "\"%s\" is not an unsigned integer", key);
	*ret = cbor_get_int(v);
	if (*ret > max)
		return snpm_fail(reterr, SNPM_ERANGE, "\"%s\" 0x%llx is out of range", key,
				 (unsigned long long)*ret);
	return 0;
}

static int cbor_bytes(cbor_item_t *v, const char *key, uint8_t *out, size_t len, bool may_be_empty,
		      bool *ret_empty, struct snpm_error *reterr)
{
	size_t n;

	if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v))
		return snpm_fail(reterr, SNPM_EMALFORMED, "\"%s\" is not a byte string", key);
	n = cbor_bytestring_length(v);
	if (ret_empty)
		*ret_empty = n == 0;
	if (n == 0 && may_be_empty)
		return 0;
	if (n != len)
		return snpm_fail(reterr, SNPM_EMALFORMED, "\"%s\" is %zu bytes, not %zu", key, n,
				 len);
	memcpy(out, cbor_bytestring_handle(v), len);
	return 0;
}

/* One of the map's pairs by key; duplicates and unknown keys are refused by the caller. */
static cbor_item_t *map_get(cbor_item_t *map, const char *name)
{
	struct cbor_pair *p = cbor_map_handle(map);

	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (key_is(p[i].key, name))
			return p[i].value;
	return NULL;
}

/* A definite map whose keys are exactly the known ones, each once. */
static int check_map(cbor_item_t *map, const char *where, const char *const *keys,
		     struct snpm_error *reterr)
{
	struct cbor_pair *p;
	unsigned seen = 0;

	if (!cbor_isa_map(map) || !cbor_map_is_definite(map))
		return snpm_fail(reterr, SNPM_EMALFORMED, "%s is not a definite-length map", where);
	p = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++) {
		size_t k = 0;
		while (keys[k] && !key_is(p[i].key, keys[k]))
			k++;
		if (!keys[k])
			return snpm_fail(reterr, SNPM_EMALFORMED,
					 "%s has a key not in dstack's schema", where);
		if (seen & (1u << k))
			return snpm_fail(reterr, SNPM_EMALFORMED, "%s has \"%s\" twice", where,
					 keys[k]);
		seen |= 1u << k;
	}
	for (size_t k = 0; keys[k]; k++)
		if (!(seen & (1u << k)))
			return snpm_fail(reterr, SNPM_EMALFORMED, "%s has no \"%s\"", where,
					 keys[k]);
	return 0;
}

static bool known_section(uint32_t t)
{
	return t == SNPM_SECTION_SNP_SEC_MEM || t == SNPM_SECTION_SNP_SECRETS ||
	       t == SNPM_SECTION_CPUID || t == SNPM_SECTION_SVSM_CAA ||
	       t == SNPM_SECTION_SNP_KERNEL_HASHES;
}

static int cbor_sections(cbor_item_t *arr, struct snpm_ovmf_info *fw, struct snpm_error *reterr)
{
	static const char *const keys[] = { "gpa", "size", "type", NULL };
	uint64_t v[3];
	int r = 0;

	if (!cbor_isa_array(arr) || !cbor_array_is_definite(arr))
		return snpm_fail(reterr, SNPM_EMALFORMED, "\"ovmf_sections\" is not a list");
	if (cbor_array_size(arr) == 0 || cbor_array_size(arr) > MAX_SECTIONS)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "\"ovmf_sections\" must hold 1 to %u sections", MAX_SECTIONS);
	for (size_t i = 0; r == 0 && i < cbor_array_size(arr); i++) {
		cbor_item_t *s = cbor_array_handle(arr)[i];
		r = check_map(s, "an ovmf_sections entry", keys, reterr);
		for (size_t k = 0; r == 0 && k < 3; k++)
			r = cbor_u64(map_get(s, keys[k]), keys[k], UINT32_MAX, &v[k], reterr);
		if (r == 0 && (v[1] == 0 || !known_section((uint32_t)v[2])))
			r = snpm_fail(reterr, SNPM_EMALFORMED,
				      "section %zu: size 0, or an unknown section type 0x%llx", i,
				      (unsigned long long)v[2]);
		fw->sections[i] = (struct snpm_ovmf_section){ (uint32_t)v[0], (uint32_t)v[1],
							      (uint32_t)v[2] };
	}
	fw->n_sections = (uint32_t)cbor_array_size(arr);
	/* The checks a JSON document's sections get: alignment, overlap, none past 4 GiB. */
	if (r == 0)
		r = snpm_ovmf_check_sections(fw, reterr);
	if (r == 0 && !snpm_ovmf_has_section(fw, SNPM_SECTION_SNP_KERNEL_HASHES))
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "\"ovmf_sections\" has no SNP_KERNEL_HASHES section");
	return r;
}

/* dstack-mr's rootfs_hash_from_cmdline(): the first word starting dstack.rootfs_hash= must
 * carry 32 bytes of hex. */
static bool has_rootfs_hash(const char *cmdline)
{
	static const char key[] = "dstack.rootfs_hash=";
	const char *ws = " \t\n\r\v\f";

	for (const char *p = cmdline + strspn(cmdline, ws); *p; p += strspn(p, ws)) {
		size_t n = strcspn(p, ws);
		if (n >= strlen(key) && memcmp(p, key, strlen(key)) == 0) {
			char digits[65];
			uint8_t hash[32];
			if (n - strlen(key) != 64)
				return false;
			memcpy(digits, p + strlen(key), 64);
			digits[64] = '\0';
			return snpm_hex_decode(digits, hash, 32);
		}
		p += n;
	}
	return false;
}

static int cbor_cmdline(cbor_item_t *v, struct snpm_spec *spec, struct snpm_error *reterr)
{
	size_t n;

	if (!cbor_isa_string(v) || !cbor_string_is_definite(v))
		return snpm_fail(reterr, SNPM_EMALFORMED, "\"cmdline\" is not a text string");
	n = cbor_string_length(v);
	if (memchr(cbor_string_handle(v), 0, n))
		return snpm_fail(reterr, SNPM_EMALFORMED, "\"cmdline\" holds a NUL byte");
	spec->cmdline = strndup((const char *)cbor_string_handle(v), n);
	if (!spec->cmdline)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	spec->given |= SNPM_SPEC_CMDLINE;
	if (!has_rootfs_hash(spec->cmdline))
		return snpm_fail(
			reterr, SNPM_EMALFORMED,
			"\"cmdline\" has no dstack.rootfs_hash=<64 hex digits>, which dstack "
			"requires");
	return 0;
}

static int cbor_fields(cbor_item_t *root, struct snpm_spec *spec, struct snpm_error *reterr)
{
	struct snpm_ovmf_info *fw = &spec->firmware_metadata;
	uint64_t version = 0, gpa = 0, eip = 0;
	bool empty = false;
	int r = check_map(root, "measurement.snp.cbor", cbor_keys, reterr);

	if (r == 0)
		r = cbor_u64(map_get(root, "version"), "version", UINT32_MAX, &version, reterr);
	if (r == 0 && version != SNP_CBOR_VERSION)
		r = snpm_fail(reterr, SNPM_EUNSUPPORTED,
			      "measurement.snp.cbor version %llu, not %u",
			      (unsigned long long)version, SNP_CBOR_VERSION);
	if (r == 0)
		r = cbor_cmdline(map_get(root, "cmdline"), spec, reterr);
	if (r == 0)
		r = cbor_bytes(map_get(root, "ovmf_hash"), "ovmf_hash", spec->firmware_digests.snp,
			       SNPM_LD_SIZE, false, NULL, reterr);
	spec->firmware_digests.has_snp = r == 0;
	if (r == 0)
		r = cbor_bytes(map_get(root, "kernel_hash"), "kernel_hash", spec->kernel_sha256, 32,
			       false, NULL, reterr);
	spec->has_kernel_sha256 = r == 0;
	/* dstack: an empty initrd hash is the SHA-256 of an empty initrd. */
	if (r == 0)
		r = cbor_bytes(map_get(root, "initrd_hash"), "initrd_hash", spec->initrd_sha256, 32,
			       true, &empty, reterr);
	spec->has_initrd_sha256 = r == 0 && !empty;
	if (r == 0)
		r = cbor_u64(map_get(root, "hashes_table_gpa"), "hashes_table_gpa", UINT32_MAX,
			     &gpa, reterr);
	if (r == 0)
		r = cbor_u64(map_get(root, "reset_eip"), "reset_eip", UINT32_MAX, &eip, reterr);
	if (r == 0 && (gpa == 0 || eip == 0))
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "\"hashes_table_gpa\" and \"reset_eip\" must be non-zero");
	fw->hashes_table_gpa = (uint32_t)gpa;
	fw->reset_eip = (uint32_t)eip;
	if (r == 0)
		r = cbor_sections(map_get(root, "ovmf_sections"), fw, reterr);
	return r;
}

/* Before cbor_load() builds the tree: counts, lengths and nesting checked (core/cbor.h); the
 * schema holds no tags and nests 8 deep at most. */
#define MAX_DEPTH 8

int snpm_dstack_cbor_parse(const uint8_t *data, size_t len, struct snpm_spec **ret,
			   struct snpm_error *reterr)
{
	struct cbor_load_result res;
	struct snpm_spec *spec;
	cbor_item_t *root;
	int r;

	if (!data || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no document");
	if (!snpm_cbor_prescan(data, len, MAX_DEPTH, false))
		return snpm_fail(
			reterr, SNPM_EMALFORMED,
			"measurement.snp.cbor is not CBOR of dstack's shape (a length beyond "
			"its bytes, an indefinite length, a tag, or nesting too deep)");
	root = cbor_load(data, len, &res);
	if (!root || res.error.code != CBOR_ERR_NONE)
		r = snpm_fail_at(reterr, SNPM_EMALFORMED, res.error.position,
				 "measurement.snp.cbor is not CBOR (libcbor error %d)",
				 (int)res.error.code);
	else if (res.read != len)
		r = snpm_fail_at(reterr, SNPM_EMALFORMED, res.read,
				 "measurement.snp.cbor has %zu bytes after its map",
				 len - res.read);
	else
		r = 0;
	spec = r == 0 ? calloc(1, sizeof(*spec)) : NULL;
	if (r == 0 && !spec)
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (r == 0) {
		spec->dstack = true;
		spec->mode = SNPM_MODE_SNP;
		spec->vmm = SNPM_VMM_QEMU;
		spec->given |= SNPM_SPEC_MODE | SNPM_SPEC_VMM;
		spec->has_firmware_metadata = true;
		spec->firmware_metadata.has_table = true;
		spec->firmware_metadata.has_hashes_table = true;
		spec->firmware_metadata.has_reset_eip = true;
		r = cbor_fields(root, spec, reterr);
	}
	if (root)
		cbor_decref(&root);
	if (r < 0) {
		snpm_spec_free(spec);
		return r;
	}
	*ret = spec;
	return 0;
}

/* ---- writing it ---- */

/* ciborium writes an integer in its shortest form. */
static cbor_item_t *uint_min(uint64_t v)
{
	return v <= 0xff	? cbor_build_uint8((uint8_t)v) :
	       v <= 0xffff	? cbor_build_uint16((uint16_t)v) :
	       v <= 0xffffffffu ? cbor_build_uint32((uint32_t)v) :
				  cbor_build_uint64(v);
}

static bool put(cbor_item_t *map, const char *key, cbor_item_t *value)
{
	cbor_item_t *k = cbor_build_string(key);
	bool ok = k && value &&
		  cbor_map_add(map, (struct cbor_pair){ .key = cbor_move(k),
							.value = cbor_move(value) });

	if (!ok) {
		if (k)
			cbor_decref(&k);
		if (value)
			cbor_decref(&value);
	}
	return ok;
}

static cbor_item_t *sections_item(const struct snpm_dstack_image_measurement *m)
{
	cbor_item_t *arr = cbor_new_definite_array(m->n_sections);
	bool ok = arr != NULL;

	for (size_t i = 0; ok && i < m->n_sections; i++) {
		cbor_item_t *s = cbor_new_definite_map(3);
		ok = s && put(s, "gpa", uint_min(m->sections[i].gpa)) &&
		     put(s, "size", uint_min(m->sections[i].size)) &&
		     put(s, "type", uint_min(m->sections[i].type)) && cbor_array_push(arr, s);
		if (s)
			cbor_decref(&s);
	}
	if (!ok && arr)
		cbor_decref(&arr);
	return ok ? arr : NULL;
}

int snpm_dstack_cbor_write(const struct snpm_dstack_image_measurement *m, uint8_t **ret,
			   size_t *ret_len, struct snpm_error *reterr)
{
	cbor_item_t *map;
	unsigned char *buf = NULL;
	size_t size = 0, n = 0;
	bool ok;

	if (!m || !m->cmdline || !ret || !ret_len)
		return snpm_fail(reterr, SNPM_EINVAL, "no measurement or output");
	map = cbor_new_definite_map(8);
	ok = map && put(map, "version", uint_min(SNP_CBOR_VERSION)) &&
	     put(map, "cmdline", cbor_build_string(m->cmdline)) &&
	     put(map, "ovmf_hash", cbor_build_bytestring(m->ovmf_hash, SNPM_LD_SIZE)) &&
	     put(map, "kernel_hash", cbor_build_bytestring(m->kernel_hash, 32)) &&
	     put(map, "initrd_hash", cbor_build_bytestring(m->initrd_hash, 32)) &&
	     put(map, "hashes_table_gpa", uint_min(m->hashes_table_gpa)) &&
	     put(map, "reset_eip", uint_min(m->reset_eip)) &&
	     put(map, "ovmf_sections", sections_item(m));
	if (ok)
		n = cbor_serialize_alloc(map, &buf, &size);
	if (map)
		cbor_decref(&map);
	if (!ok || n == 0) {
		free(buf);
		return snpm_fail(reterr, SNPM_ENOMEM, "cannot encode measurement.snp.cbor");
	}
	*ret = buf;
	*ret_len = n;
	return 0;
}

/* ---- the attestation blob (dstack-attest/src/attestation.rs, SCALE) ---- */

struct scale {
	const uint8_t *d;
	size_t len, at;
	struct snpm_error *reterr;
};

static int scale_fail(struct scale *s, const char *what)
{
	return snpm_fail_at(s->reterr, SNPM_EMALFORMED, s->at, "dstack attestation: %s at byte %zu",
			    what, s->at);
}

/* A compact integer in its canonical (shortest) form, as parity-scale-codec requires. */
static int scale_compact(struct scale *s, uint64_t *ret)
{
	uint8_t b0;
	uint64_t v = 0;
	size_t n;

	if (s->at >= s->len)
		return scale_fail(s, "cut short");
	b0 = s->d[s->at];
	n = (b0 & 3) == 0 ? 1 : (b0 & 3) == 1 ? 2 : (b0 & 3) == 2 ? 4 : 1 + (b0 >> 2) + 4u;
	if (n > 9 || s->len - s->at < n)
		return scale_fail(s, "a length that does not fit");
	if ((b0 & 3) == 3) {
		for (size_t i = n - 1; i >= 1; i--)
			v = v << 8 | s->d[s->at + i];
		if (v >> 30 == 0 || (n > 5 && v >> (8 * (n - 2)) == 0))
			return scale_fail(s, "a length not in its shortest form");
	} else {
		for (size_t i = n; i-- > 0;)
			v = v << 8 | s->d[s->at + i];
		v >>= 2;
		if ((n == 2 && v < 64) || (n == 4 && v < (1u << 14)))
			return scale_fail(s, "a length not in its shortest form");
	}
	s->at += n;
	*ret = v;
	return 0;
}

/* A Vec<u8> or String: a compact length and the bytes, which must lie in the input. */
static int scale_bytes(struct scale *s, const uint8_t **ret, size_t *ret_len)
{
	uint64_t n;
	int r = scale_compact(s, &n);

	if (r == 0 && n > s->len - s->at)
		return scale_fail(s, "bytes past the end");
	if (r == 0) {
		*ret = s->d + s->at;
		*ret_len = (size_t)n;
		s->at += (size_t)n;
	}
	return r;
}

static int scale_u8(struct scale *s, uint8_t *ret)
{
	if (s->at >= s->len)
		return scale_fail(s, "cut short");
	*ret = s->d[s->at++];
	return 0;
}

#define DSTACK_V0 0x00
#define DSTACK_QUOTE_AMD_SEV_SNP 3 /* AttestationQuote::DstackAmdSevSnp */

/* SnpQuote { report: Vec<u8>, cert_chain: Vec<Vec<u8>>, mr_config: String } */
static int scale_snp_quote(struct scale *s, struct snpm_dstack_attestation *a)
{
	const uint8_t *p;
	size_t n;
	uint64_t certs;
	int r = scale_bytes(s, &p, &n);

	if (r == 0 && n != SNPM_REPORT_SIZE)
		return snpm_fail_at(s->reterr, SNPM_EMALFORMED, s->at,
				    "dstack attestation: a report of %zu bytes, not 1184", n);
	if (r == 0)
		memcpy(a->report, p, SNPM_REPORT_SIZE);
	if (r == 0)
		r = scale_compact(s, &certs);
	/* dstack's verifier takes [ASK, VCEK] or one certificate table, or none. */
	if (r == 0 && certs > 2)
		return scale_fail(s, "more than two certificate blobs");
	for (size_t i = 0; r == 0 && i < certs; i++)
		r = scale_bytes(s, &a->certs[i], &a->certs_len[i]);
	a->n_certs = (size_t)certs;
	return r == 0 ? scale_bytes(s, &a->mr_config, &a->mr_config_len) : r;
}

int snpm_dstack_attestation_parse(const uint8_t *data, size_t len,
				  struct snpm_dstack_attestation *ret, struct snpm_error *reterr)
{
	struct snpm_dstack_attestation a;
	struct scale s = { .d = data, .len = len, .reterr = reterr };
	uint8_t version = 0, quote = 0;
	uint64_t events = 0;
	const uint8_t *p;
	size_t n;
	int r;

	if (!data || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no attestation");
	memset(&a, 0, sizeof(a));
	r = scale_u8(&s, &version);
	if (r == 0 && version != DSTACK_V0)
		return snpm_fail_at(reterr, SNPM_EUNSUPPORTED, 0,
				    "dstack attestation: version byte 0x%02x is not V0 (SCALE)",
				    version);
	if (r == 0)
		r = scale_u8(&s, &quote);
	if (r == 0 && quote != DSTACK_QUOTE_AMD_SEV_SNP)
		return snpm_fail_at(reterr, SNPM_EUNSUPPORTED, 1,
				    "dstack attestation: quote type %u is not AMD SEV-SNP (3)",
				    quote);
	if (r == 0)
		r = scale_snp_quote(&s, &a);
	/* runtime_events: Vec<{event: String, payload: Vec<u8>}>; each takes at least 2 bytes. */
	if (r == 0)
		r = scale_compact(&s, &events);
	if (r == 0 && events > (s.len - s.at) / 2)
		return scale_fail(&s, "more runtime events than bytes");
	for (uint64_t i = 0; r == 0 && i < 2 * events; i++)
		r = scale_bytes(&s, &p, &n);
	if (r == 0 && s.len - s.at < 64)
		return scale_fail(&s, "cut short in report_data");
	if (r == 0) {
		memcpy(a.report_data, data + s.at, 64);
		s.at += 64;
		r = scale_bytes(&s, &p, &n); /* config */
	}
	if (r == 0 && s.at != len)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, s.at,
				    "dstack attestation: %zu bytes after it", len - s.at);
	if (r == 0)
		*ret = a;
	return r;
}
