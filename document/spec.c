/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Measurement specs: our schema (unknown keys refused at every level; vCPU keys that name one
 * CPU) and dstack-mr's MeasurementInput, read exactly as dstack reads it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include <snpm/document.h>

#include "../core/crypto.h"
#include "../core/json.h"
#include "metadata.h"

/* ---- specs ---- */

void snpm_spec_free(struct snpm_spec *spec)
{
	if (!spec)
		return;
	free(spec->vcpu_type);
	free(spec->firmware_path);
	free(spec->firmware_metadata_path);
	free(spec->kernel_path);
	free(spec->initrd_path);
	free(spec->cmdline);
	free(spec->svsm_path);
	free(spec);
}

/* vcpu_type, vcpu_sig and vcpu_family/model/stepping may all be given, but must name one CPU:
 * which key wins would otherwise depend on the order the document lists them in. */
static int set_vcpu_sig(struct snpm_spec *spec, uint32_t sig, const char *key,
			struct snpm_error *reterr)
{
	if ((spec->given & SNPM_SPEC_VCPU_SIG) && spec->vcpu_sig != sig)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "\"%s\" (0x%x) names a different CPU than the document's other "
				 "vCPU keys (0x%x)",
				 key, sig, spec->vcpu_sig);
	spec->vcpu_sig = sig;
	spec->given |= SNPM_SPEC_VCPU_SIG;
	return 0;
}

static int set_vcpu_type(struct snpm_spec *spec, const char *name, bool any_case,
			 struct snpm_error *reterr)
{
	uint32_t sig = 0;
	const char *canonical = NULL;

	for (size_t i = 0; snpm_cpu_type_name(i); i++)
		if (any_case ? strcasecmp(snpm_cpu_type_name(i), name) == 0 :
			       strcmp(snpm_cpu_type_name(i), name) == 0)
			canonical = snpm_cpu_type_name(i);
	if (!canonical)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown vCPU type \"%s\"", name);
	snpm_cpu_type_sig(canonical, &sig);
	int r = set_vcpu_sig(spec, sig, "vcpu_type", reterr);
	if (r < 0)
		return r;
	free(spec->vcpu_type);
	spec->vcpu_type = strdup(canonical);
	return spec->vcpu_type ? 0 : snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
}

static int set_features(struct snpm_spec *spec, struct json_object *v, struct snpm_error *reterr)
{
	spec->given |= SNPM_SPEC_GUEST_FEATURES;
	if (json_object_is_type(v, json_type_string))
		return snpm_guest_features_parse(json_object_get_string(v), &spec->guest_features,
						 reterr);
	return snpm_json_u64(v, "guest_features", UINT64_MAX, &spec->guest_features, reterr);
}

/* "file" or {"path": "file"} or {"sha256": "hex"}. */
static int file_or_hash(struct json_object *v, const char *key, char **path, bool *has_hash,
			uint8_t hash[SNPM_SHA256_SIZE], struct snpm_error *reterr)
{
	struct json_object *w;

	if (json_object_is_type(v, json_type_string))
		return snpm_json_dup(v, key, path, reterr);
	if (!json_object_is_type(v, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" must be a path or an object", key);
	json_object_object_foreach(v, k, val) {
		(void)val;
		if (strcmp(k, "path") != 0 && strcmp(k, "sha256") != 0)
			return snpm_json_unknown_key(reterr, key, k);
	}
	if (json_object_object_get_ex(v, "path", &w) &&
	    json_object_object_get_ex(v, "sha256", NULL))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" gives both a path and a sha256", key);
	if (json_object_object_get_ex(v, "path", &w))
		return snpm_json_dup(w, key, path, reterr);
	if (!json_object_object_get_ex(v, "sha256", &w))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" needs \"path\" or \"sha256\"", key);
	*has_hash = true;
	return snpm_json_hex(w, key, hash, SNPM_SHA256_SIZE, reterr);
}

static int spec_firmware(struct snpm_spec *spec, struct json_object *v, struct snpm_error *reterr)
{
	int r = 0;

	if (json_object_is_type(v, json_type_string))
		return snpm_json_dup(v, "firmware", &spec->firmware_path, reterr);
	if (!json_object_is_type(v, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "\"firmware\" must be a path or an object");
	json_object_object_foreach(v, k, val) {
		if (strcmp(k, "path") == 0) {
			r = snpm_json_dup(val, "firmware.path", &spec->firmware_path, reterr);
		} else if (strcmp(k, "snp_ovmf_hash") == 0) {
			spec->firmware_digests.has_snp = true;
			r = snpm_json_hex(val, "firmware.snp_ovmf_hash", spec->firmware_digests.snp,
					  SNPM_LD_SIZE, reterr);
		} else if (strcmp(k, "metadata") == 0 &&
			   json_object_is_type(val, json_type_string)) {
			r = snpm_json_dup(val, "firmware.metadata", &spec->firmware_metadata_path,
					  reterr);
		} else if (strcmp(k, "metadata") == 0) {
			struct snpm_ovmf_digests d = { 0 };
			memset(&spec->firmware_metadata, 0, sizeof(spec->firmware_metadata));
			spec->has_firmware_metadata = true;
			spec->firmware_metadata.has_table = true;
			r = snpm_json_ovmf_fields(val, &spec->firmware_metadata, &d, reterr);
			if (r == 0 && d.has_snp && !spec->firmware_digests.has_snp)
				spec->firmware_digests = d;
		} else {
			r = snpm_json_unknown_key(reterr, "firmware", k);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int spec_svsm(struct snpm_spec *spec, struct json_object *v, struct snpm_error *reterr)
{
	struct json_object *w;
	int r = 0;

	static const char *const keys[] = { "path", "vars_size", NULL };

	if (!json_object_is_type(v, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "\"svsm\" must be an object");
	r = snpm_json_only_keys(v, "svsm", keys, reterr);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(v, "path", &w))
		return snpm_fail(reterr, SNPM_EINVAL, "\"svsm\" needs \"path\"");
	r = snpm_json_dup(w, "svsm.path", &spec->svsm_path, reterr);
	if (r == 0 && json_object_object_get_ex(v, "vars_size", &w)) {
		spec->given |= SNPM_SPEC_VARS_SIZE;
		r = snpm_json_u64(w, "svsm.vars_size", SNPM_FOUR_GIB, &spec->vars_size, reterr);
	}
	return r;
}

static int spec_vmsa(struct snpm_spec *spec, struct json_object *v, struct snpm_error *reterr)
{
	int r = 0;

	if (!json_object_is_type(v, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "\"vmsa\" must be an object");
	json_object_object_foreach(v, k, val) {
		const char *s = NULL;
		if (strcmp(k, "gpa") == 0) {
			spec->given |= SNPM_SPEC_VMSA_GPA;
			r = snpm_json_u64(val, "vmsa.gpa", SNPM_GPA_LIMIT - 1, &spec->vmsa_gpa,
					  reterr);
		} else if (strcmp(k, "fpu") == 0) {
			spec->given |= SNPM_SPEC_VMSA_FPU;
			r = snpm_json_str(val, "vmsa.fpu", &s, reterr);
			if (r == 0 && strcmp(s, "legacy-kvm") == 0)
				spec->vmsa_fpu = SNPM_VMSA_FPU_LEGACY_KVM;
			else if (r == 0 && strcmp(s, "default") != 0)
				r = snpm_fail(reterr, SNPM_EINVAL,
					      "\"vmsa.fpu\" is \"default\" or \"legacy-kvm\"");
		} else {
			r = snpm_json_unknown_key(reterr, "vmsa", k);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int spec_cpu_family(struct snpm_spec *spec, struct json_object *o, struct snpm_error *reterr)
{
	struct json_object *f, *m, *s;
	uint32_t family, model, stepping;
	int r;

	if (!json_object_object_get_ex(o, "vcpu_family", &f) ||
	    !json_object_object_get_ex(o, "vcpu_model", &m) ||
	    !json_object_object_get_ex(o, "vcpu_stepping", &s))
		return snpm_fail(
			reterr, SNPM_EINVAL,
			"\"vcpu_family\", \"vcpu_model\" and \"vcpu_stepping\" go together");
	r = snpm_json_u32(f, "vcpu_family", &family, reterr);
	if (r == 0)
		r = snpm_json_u32(m, "vcpu_model", &model, reterr);
	if (r == 0)
		r = snpm_json_u32(s, "vcpu_stepping", &stepping, reterr);
	if (r == 0)
		r = set_vcpu_sig(spec, snpm_cpu_sig(family, model, stepping), "vcpu_family",
				 reterr);
	return r;
}

/* One key of our schema. */
static int spec_key(struct snpm_spec *spec, struct json_object *o, const char *k,
		    struct json_object *v, struct snpm_error *reterr)
{
	const char *s = NULL;

	if (strcmp(k, "mode") == 0) {
		spec->given |= SNPM_SPEC_MODE;
		if (snpm_json_str(v, k, &s, reterr) < 0 || snpm_mode_parse(s, &spec->mode) < 0)
			return snpm_fail(reterr, SNPM_EINVAL, "unknown \"mode\"");
		return 0;
	}
	if (strcmp(k, "vmm") == 0) {
		spec->given |= SNPM_SPEC_VMM;
		if (snpm_json_str(v, k, &s, reterr) < 0 || snpm_vmm_parse(s, &spec->vmm) < 0)
			return snpm_fail(reterr, SNPM_EINVAL, "unknown \"vmm\"");
		return 0;
	}
	if (strcmp(k, "vmm_version") == 0) {
		spec->given |= SNPM_SPEC_VMM_VERSION;
		uint32_t ver = 0;
		int r = snpm_json_u32(v, k, &ver, reterr);
		spec->vmm_version = ver;
		return r;
	}
	if (strcmp(k, "vcpus") == 0) {
		spec->given |= SNPM_SPEC_VCPUS;
		return snpm_json_u32(v, k, &spec->vcpus, reterr);
	}
	if (strcmp(k, "vcpu_type") == 0)
		return snpm_json_str(v, k, &s, reterr) < 0 ? SNPM_EINVAL :
							     set_vcpu_type(spec, s, false, reterr);
	if (strcmp(k, "vcpu_sig") == 0) {
		uint32_t sig = 0;
		int r = snpm_json_u32(v, k, &sig, reterr);
		return r < 0 ? r : set_vcpu_sig(spec, sig, k, reterr);
	}
	if (strcmp(k, "vcpu_family") == 0)
		return spec_cpu_family(spec, o, reterr);
	if (strcmp(k, "vcpu_model") == 0 || strcmp(k, "vcpu_stepping") == 0)
		return json_object_object_get_ex(o, "vcpu_family", NULL) ?
			       0 :
			       snpm_fail(reterr, SNPM_EINVAL, "\"%s\" needs \"vcpu_family\"", k);
	if (strcmp(k, "guest_features") == 0)
		return set_features(spec, v, reterr);
	if (strcmp(k, "firmware") == 0)
		return spec_firmware(spec, v, reterr);
	if (strcmp(k, "kernel") == 0)
		return file_or_hash(v, k, &spec->kernel_path, &spec->has_kernel_sha256,
				    spec->kernel_sha256, reterr);
	if (strcmp(k, "initrd") == 0)
		return file_or_hash(v, k, &spec->initrd_path, &spec->has_initrd_sha256,
				    spec->initrd_sha256, reterr);
	if (strcmp(k, "cmdline") == 0) {
		spec->given |= SNPM_SPEC_CMDLINE;
		return snpm_json_dup(v, k, &spec->cmdline, reterr);
	}
	if (strcmp(k, "svsm") == 0)
		return spec_svsm(spec, v, reterr);
	if (strcmp(k, "vmsa") == 0)
		return spec_vmsa(spec, v, reterr);
	return snpm_json_unknown_key(reterr, "", k);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* dstack-mr's MeasurementInput (dstack-mr/src/sev.rs): serde with deny_unknown_fields. */
static const char *const dstack_keys[] = {
	"base_cmdline",		"ovmf_hash",	    "kernel_hash", "initrd_hash",
	"sev_hashes_table_gpa", "sev_es_reset_eip", "vcpus",	   "vcpu_type",
	"guest_features",	"ovmf_sections",    NULL
};

/* dstack's numbers are serde integers: a JSON integer, never a string. */
static int dstack_u64(struct json_object *o, const char *key, uint64_t max, uint64_t *ret,
		      struct snpm_error *reterr)
{
	struct json_object *v = json_object_object_get(o, key);

	if (!json_object_is_type(v, json_type_int))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" must be a JSON integer", key);
	return snpm_json_u64(v, key, max, ret, reterr);
}

static int dstack_u32(struct json_object *o, const char *key, uint32_t *ret,
		      struct snpm_error *reterr)
{
	uint64_t v = 0;
	int r = dstack_u64(o, key, UINT32_MAX, &v, reterr);

	*ret = (uint32_t)v;
	return r;
}

/* The checks of dstack's validate_measurement_input(), so what we measure dstack accepts. */
static int dstack_validate(const struct snpm_spec *spec, struct snpm_error *reterr)
{
	const struct snpm_ovmf_info *fw = &spec->firmware_metadata;

	if (spec->guest_features == 0)
		return snpm_fail(reterr, SNPM_EINVAL, "\"guest_features\" must be non-zero");
	if (spec->vcpus == 0 || spec->vcpus > 512)
		return snpm_fail(reterr, SNPM_ERANGE, "\"vcpus\" must be within 1..512");
	if (fw->n_sections == 0)
		return snpm_fail(reterr, SNPM_EINVAL, "\"ovmf_sections\" must not be empty");
	if (!snpm_ovmf_has_section(fw, SNPM_SECTION_SNP_KERNEL_HASHES))
		return snpm_fail(reterr, SNPM_EINVAL,
				 "\"ovmf_sections\" has no SNP_KERNEL_HASHES section");
	if (fw->hashes_table_gpa == 0 || fw->reset_eip == 0)
		return snpm_fail(
			reterr, SNPM_EINVAL,
			"\"sev_hashes_table_gpa\" and \"sev_es_reset_eip\" must be non-zero");
	return 0;
}

static int dstack_hashes(struct snpm_spec *spec, struct json_object *o, struct snpm_error *reterr)
{
	const char *s = NULL;
	int r = snpm_json_hex(json_object_object_get(o, "ovmf_hash"), "ovmf_hash",
			      spec->firmware_digests.snp, SNPM_LD_SIZE, reterr);

	spec->firmware_digests.has_snp = r == 0;
	if (r == 0) {
		spec->has_kernel_sha256 = true;
		r = snpm_json_hex(json_object_object_get(o, "kernel_hash"), "kernel_hash",
				  spec->kernel_sha256, SNPM_SHA256_SIZE, reterr);
	}
	/* dstack: an empty initrd_hash is the SHA-256 of an empty initrd. */
	if (r == 0)
		r = snpm_json_str(json_object_object_get(o, "initrd_hash"), "initrd_hash", &s,
				  reterr);
	if (r == 0 && *s) {
		spec->has_initrd_sha256 = true;
		r = snpm_json_hex(json_object_object_get(o, "initrd_hash"), "initrd_hash",
				  spec->initrd_sha256, SNPM_SHA256_SIZE, reterr);
	}
	return r;
}

static int dstack_cmdline(struct snpm_spec *spec, struct json_object *o, struct snpm_error *reterr)
{
	int r;

	spec->given |= SNPM_SPEC_CMDLINE;
	r = snpm_json_dup(json_object_object_get(o, "base_cmdline"), "base_cmdline", &spec->cmdline,
			  reterr);
	if (r == 0) {
		size_t n = strlen(spec->cmdline);
		spec->cmdline_trim_differs =
			n && (is_space(spec->cmdline[0]) || is_space(spec->cmdline[n - 1]));
	}
	return r;
}

/*
 * The document as dstack reads it: every key required, no other key, numbers as JSON integers;
 * always SNP under QEMU. dstack trims base_cmdline; QEMU hashes the -append string as given, so
 * it is kept verbatim.
 */
static int spec_dstack(struct snpm_spec *spec, struct json_object *o, struct snpm_error *reterr)
{
	struct snpm_ovmf_info *fw = &spec->firmware_metadata;
	const char *s = NULL;
	int r = snpm_json_only_keys(o, "", dstack_keys, reterr);

	for (size_t i = 0; r == 0 && dstack_keys[i]; i++)
		if (!json_object_object_get_ex(o, dstack_keys[i], NULL))
			r = snpm_fail(reterr, SNPM_EINVAL, "MeasurementInput has no \"%s\"",
				      dstack_keys[i]);
	if (r < 0)
		return r;
	spec->dstack = true;
	spec->mode = SNPM_MODE_SNP;
	spec->vmm = SNPM_VMM_QEMU;
	spec->given |= SNPM_SPEC_MODE | SNPM_SPEC_VMM | SNPM_SPEC_VCPUS | SNPM_SPEC_GUEST_FEATURES;
	spec->has_firmware_metadata = true;
	fw->has_table = fw->has_hashes_table = fw->has_reset_eip = true;
	r = dstack_hashes(spec, o, reterr);
	if (r == 0)
		r = snpm_json_sections(json_object_object_get(o, "ovmf_sections"), true, fw,
				       reterr);
	if (r == 0)
		r = dstack_u32(o, "sev_hashes_table_gpa", &fw->hashes_table_gpa, reterr);
	if (r == 0)
		r = dstack_u32(o, "sev_es_reset_eip", &fw->reset_eip, reterr);
	if (r == 0)
		r = dstack_cmdline(spec, o, reterr);
	if (r == 0)
		r = dstack_u32(o, "vcpus", &spec->vcpus, reterr);
	if (r == 0)
		r = snpm_json_str(json_object_object_get(o, "vcpu_type"), "vcpu_type", &s, reterr);
	if (r == 0)
		r = set_vcpu_type(spec, s, true, reterr);
	if (r == 0)
		r = dstack_u64(o, "guest_features", UINT64_MAX, &spec->guest_features, reterr);
	return r < 0 ? r : dstack_validate(spec, reterr);
}

int snpm_spec_parse(const char *json, struct snpm_spec **ret, struct snpm_error *reterr)
{
	struct snpm_spec *spec;
	struct json_object *o;
	int r = snpm_json_parse(json, &o, reterr);

	if (r < 0)
		return r;
	spec = calloc(1, sizeof(*spec));
	if (!spec) {
		json_object_put(o);
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	}
	if (json_object_object_get_ex(o, "ovmf_sections", NULL) &&
	    json_object_object_get_ex(o, "ovmf_hash", NULL)) {
		r = spec_dstack(spec, o, reterr);
	} else {
		json_object_object_foreach(o, k, v) {
			r = spec_key(spec, o, k, v, reterr);
			if (r < 0)
				break;
		}
	}
	json_object_put(o);
	if (r < 0) {
		snpm_spec_free(spec);
		return r;
	}
	*ret = spec;
	return 0;
}
