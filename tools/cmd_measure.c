/* SPDX-License-Identifier: Apache-2.0 */
/* snpmeasure (the reference's command line) and snpmeasure explain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../core/io.h"

/* The name the reference's --verbose line uses. */
static const char *mode_verbose_name(enum snpm_mode m)
{
	switch (m) {
	case SNPM_MODE_SEV:
		return "SEV";
	case SNPM_MODE_SEV_ES:
		return "SEV_ES";
	case SNPM_MODE_SNP:
		return "SEV_SNP";
	default:
		return "SEV_SNP_SVSM";
	}
}

static struct json_object *json_file(const char *path, uint64_t size, const uint8_t *sha256)
{
	struct json_object *o = json_object_new_object();

	json_add_str(o, "path", path);
	if (path)
		json_object_object_add(o, "size", json_object_new_int64((int64_t)size));
	if (sha256)
		json_add_hex(o, "sha256", sha256, SNPM_SHA256_SIZE);
	return o;
}

static struct json_object *firmware_json(const struct measure_args *a,
					 const struct snpm_measure_config *cfg,
					 const struct inputs *in)
{
	uint64_t size = in->firmware ? in->firmware_len : in->firmware_info.size;
	struct json_object *fw = json_file(a->ovmf ? a->ovmf : a->ovmf_metadata, size, NULL);
	uint8_t sha[SNPM_SHA256_SIZE];

	if (in->firmware &&
	    snpm_digest(SNPM_HASH_SHA256, in->firmware, in->firmware_len, sha, NULL) == 0)
		json_add_hex(fw, "sha256", sha, sizeof(sha));
	if (size)
		json_add_u64_hex(fw, "gpa", SNPM_FOUR_GIB - size);
	if (cfg->has_firmware_digest)
		json_add_hex(fw, "snp_ovmf_hash", cfg->firmware_digest, SNPM_LD_SIZE);
	json_object_object_add(fw, "metadata_only", json_object_new_boolean(!in->firmware));
	return fw;
}

/* A piece read at offsets: its path (or where it lies in a library), size and SHA-256. */
static struct json_object *source_json(const char *path, const struct snpm_io_source *s)
{
	struct json_object *o = json_file(path, s->src.size, NULL);
	struct snpm_hash *h = NULL;
	uint8_t buf[64 << 10], sha[SNPM_SHA256_SIZE];
	int r = snpm_hash_new(SNPM_HASH_SHA256, &h, NULL);

	if (s->base)
		json_add_u64_hex(o, "offset", s->base);
	for (uint64_t off = 0; r == 0 && off < s->src.size; off += sizeof(buf)) {
		size_t n = s->src.size - off < sizeof(buf) ? (size_t)(s->src.size - off) :
							     sizeof(buf);
		r = snpm_source_read(&s->src, off, buf, n, NULL);
		if (r == 0)
			r = snpm_hash_update(h, buf, n, NULL);
	}
	if (r == 0 && snpm_hash_final(h, sha, NULL) == 0)
		json_add_hex(o, "sha256", sha, sizeof(sha));
	snpm_hash_free(h);
	return o;
}

static void igvm_json(struct json_object *o, const struct measure_args *a,
		      const struct snpm_measure_config *cfg, const struct inputs *in)
{
	struct json_object *g = source_json(a->igvm, &in->igvm);
	int platform = snpm_igvm_platform_of_mode(cfg->mode);

	json_add_str(g, "loader", snpm_name_of(snpm_igvm_semantics_names(), cfg->igvm_semantics));
	json_add_str(g, "platform",
		     platform < 0 ? NULL : snpm_igvm_platform_name((uint8_t)platform));
	json_object_object_add(g, "native_zero", json_object_new_boolean(cfg->igvm_native_zero));
	json_object_object_add(o, "igvm", g);
}

static void krun_json(struct json_object *o, const struct measure_args *a,
		      const struct snpm_measure_config *cfg, const struct inputs *in)
{
	struct json_object *k = json_object_new_object();
	struct json_object *kernel = source_json(a->krunfw ? NULL : a->kernel, &in->kernel);

	json_add_str(k, "library", a->krunfw);
	json_object_object_add(k, "qboot", source_json(a->krunfw ? NULL : a->qboot, &in->qboot));
	json_add_u64_hex(kernel, "gpa", cfg->krun_kernel_gpa);
	json_object_object_add(k, "kernel", kernel);
	json_object_object_add(k, "initrd", source_json(a->krunfw ? NULL : a->initrd, &in->initrd));
	json_object_object_add(k, "ram_mib", json_object_new_int64(cfg->krun_ram_mib));
	json_object_object_add(o, "krun", k);
}

struct json_object *measure_inputs_json(const struct measure_args *a,
					const struct snpm_measure_config *cfg,
					const struct inputs *in)
{
	struct json_object *o = json_object_new_object();
	struct snpm_measure_config resolved = { .size = sizeof(resolved) };

	/* The guest features as measured: an IGVM file's VMSA sets them. */
	if (snpm_measure_resolve(cfg, &resolved, NULL) == 0)
		cfg = &resolved;

	json_add_str(o, "mode", snpm_mode_name(cfg->mode));
	json_add_str(o, "vmm", snpm_vmm_name(cfg->vmm));
	if (cfg->mode != SNPM_MODE_SEV) {
		json_object_object_add(o, "vcpus", json_object_new_int64(cfg->vcpus));
		json_add_str(o, "vcpu_type", a->vcpu_type);
		json_add_u64_hex(o, "vcpu_sig", cfg->vcpu_sig);
		json_add_u64_hex(o, "vmsa_gpa",
				 cfg->vmsa_gpa ? cfg->vmsa_gpa : SNPM_VMSA_GPA_DEFAULT);
		json_add_str(o, "vmsa_fpu",
			     cfg->vmsa_fpu == SNPM_VMSA_FPU_LEGACY_KVM ? "legacy-kvm" : "default");
	}
	if (cfg->mode == SNPM_MODE_SNP) {
		json_add_u64_hex(o, "guest_features", cfg->guest_features);
		json_add_feature_names(o, "guest_feature_names", cfg->guest_features);
	}
	if (cfg->loader == SNPM_LOADER_IGVM) {
		igvm_json(o, a, cfg, in);
		return o;
	}
	if (cfg->loader == SNPM_LOADER_KRUN) {
		krun_json(o, a, cfg, in);
		return o;
	}
	json_object_object_add(o, "firmware", firmware_json(a, cfg, in));
	if (cfg->has_kernel) {
		json_object_object_add(o, "kernel",
				       json_file(a->kernel, in->kernel_size, cfg->kernel_sha256));
		json_object_object_add(o, "initrd",
				       json_file(a->initrd, in->initrd_size, cfg->initrd_sha256));
		struct json_object *c = json_object_new_object();
		json_add_str(c, "value", a->append ? a->append : "");
		json_add_hex(c, "sha256", cfg->cmdline_sha256, SNPM_SHA256_SIZE);
		json_object_object_add(o, "cmdline", c);
	}
	if (cfg->mode == SNPM_MODE_SNP_SVSM) {
		struct json_object *s = json_file(a->svsm, in->svsm_len, NULL);
		json_object_object_add(s, "vars_size",
				       json_object_new_int64((int64_t)cfg->vars_size));
		json_object_object_add(o, "svsm", s);
	}
	return o;
}

/* The VMSAs, each vCPU's page kept (one copy per distinct page would do; vCPUs are few). */
struct vmsa_set {
	uint8_t (*pages)[SNPM_PAGE_SIZE];
	uint32_t n;
};

static int keep_vmsa(void *arg, uint32_t index, const uint8_t page[SNPM_PAGE_SIZE])
{
	struct vmsa_set *s = arg;

	memcpy(s->pages[index], page, SNPM_PAGE_SIZE);
	s->n = index + 1;
	return 0;
}

/* vmsa0.bin (the boot vCPU), vmsa1.bin, ...: the whole set or none of it. */
static int dump_vmsas(const struct snpm_measure_config *cfg)
{
	struct vmsa_set set = { .pages = calloc(cfg->vcpus, SNPM_PAGE_SIZE) };
	char(*names)[24] = calloc(cfg->vcpus, sizeof(*names));
	const char **name_list = calloc(cfg->vcpus, sizeof(*name_list));
	const void **data = calloc(cfg->vcpus, sizeof(*data));
	size_t *lens = calloc(cfg->vcpus, sizeof(*lens));
	struct snpm_error err;
	int r = 0;

	if (!set.pages || !names || !name_list || !data || !lens) {
		fail_line("out of memory");
		r = EXIT_FAIL;
	}
	if (r == 0 && snpm_measure_vmsas(cfg, keep_vmsa, &set, &err) < 0)
		r = report(NULL, &err);
	for (uint32_t i = 0; r == 0 && i < cfg->vcpus; i++) {
		snprintf(names[i], sizeof(names[i]), "vmsa%u.bin", i);
		name_list[i] = names[i];
		data[i] = set.pages[i];
		lens[i] = SNPM_PAGE_SIZE;
	}
	if (r == 0 && snpm_io_write_set(name_list, data, lens, cfg->vcpus, &err) < 0)
		r = report(NULL, &err);
	free(set.pages), free(names), free(name_list), free(data), free(lens);
	return r;
}

static int print_firmware_digest(const struct measure_args *a)
{
	uint8_t *fw = NULL, digest[SNPM_LD_SIZE];
	char hex[2 * SNPM_LD_SIZE + 1];
	struct snpm_error err;
	size_t len;
	int r;

	if (snpm_io_read_all(a->ovmf, SNPM_IO_PIPES, SNPM_OVMF_MAX_SIZE, &fw, &len, &err) < 0)
		return report(a->ovmf, &err);
	r = snpm_measure_firmware(fw, len, digest, &err);
	free(fw);
	if (r < 0)
		return report(a->ovmf, &err);
	/* The reference prints this one as hex whatever --output-format says. */
	to_hex(digest, sizeof(digest), hex);
	if (a->json) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "measurement", hex);
		json_add_str(o, "mode", "snp:ovmf-hash");
		json_object_object_add(o, "firmware", json_file(a->ovmf, len, NULL));
		print_json(o);
		json_object_put(o);
	} else {
		puts(hex);
	}
	return EXIT_OK;
}

/* Parsing, defaults, the reference's checks and the inputs: what measure, explain and report
 * check share. */
int measure_setup(int argc, char **argv, enum verb verb, struct measure_args *a,
		  struct snpm_measure_config *cfg, struct inputs *in)
{
	int r = args_parse(argc, argv, verb, a);

	SNPM_INIT(cfg);
	memset(in, 0, sizeof(*in));
	return r ? r : measure_prepare(a, cfg, in);
}

int measure_prepare(struct measure_args *a, struct snpm_measure_config *cfg, struct inputs *in)
{
	int r;

	SNPM_INIT(cfg);
	memset(in, 0, sizeof(*in));
	args_apply_defaults(a);
	r = args_resolve_single(a);
	if (r == 0)
		r = args_check(a, cfg);
	if (r == 0 && !a->snp_ovmf_hash_only)
		r = inputs_load(a, cfg, in);
	return r;
}

static const char *error_file(const struct measure_args *a)
{
	if (a->igvm)
		return a->igvm;
	if (args_launch(a) == LAUNCH_KRUN)
		return a->krunfw;
	if (a->mode == SNPM_MODE_SNP_SVSM)
		return NULL;
	return a->ovmf ? a->ovmf : a->ovmf_metadata ? a->ovmf_metadata : a->spec;
}

int cmd_measure(int argc, char **argv)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct measure_args a;
	struct inputs in;
	struct snpm_error err;
	uint8_t digest[SNPM_LD_SIZE];
	char out[2 * SNPM_LD_SIZE + 1];
	size_t len;
	int r = measure_setup(argc, argv, VERB_MEASURE, &a, &cfg, &in);

	if (r == 0 && a.snp_ovmf_hash_only)
		r = print_firmware_digest(&a);
	else if (r == 0 && snpm_measure(&cfg, digest, &len, &err) < 0)
		r = report_verdict(error_file(&a), &err);
	else if (r == 0 && a.dump_vmsa)
		r = dump_vmsas(&cfg);
	if (r == 0 && !a.snp_ovmf_hash_only)
		r = inputs_check(&a, &in);
	if (r == 0 && !a.snp_ovmf_hash_only) {
		args_note_defaults(&a);
		format_digest(digest, len, a.base64, out);
		if (a.json) {
			struct json_object *o = measure_inputs_json(&a, &cfg, &in);
			json_add_str(o, "measurement", out);
			json_add_str(o, "format", a.base64 ? "base64" : "hex");
			print_json(o);
			json_object_put(o);
		} else if (a.verbose) {
			printf("Calculated %s guest measurement: %s\n", mode_verbose_name(cfg.mode),
			       out);
		} else {
			puts(out);
		}
	}
	inputs_free(&in);
	args_free(&a);
	return r;
}

/* ---- explain ---- */

#define MAX_STEPS_IN_MEMORY (1u << 20)

struct steps {
	struct snpm_trace_event *ev;
	size_t n, cap;
	bool overflow;
};

static void collect(void *arg, const struct snpm_trace_event *ev)
{
	struct steps *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct snpm_trace_event *p;
		if (cap > MAX_STEPS_IN_MEMORY || !(p = realloc(s->ev, cap * sizeof(*p)))) {
			s->overflow = true;
			return;
		}
		s->ev = p;
		s->cap = cap;
	}
	s->ev[s->n++] = *ev;
}

static const char *page_type_name(enum snpm_page_type t)
{
	static const char *const names[] = { "-",	   "NORMAL",  "VMSA", "ZERO",
					     "UNMEASURED", "SECRETS", "CPUID" };

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static void phase_text(const struct snpm_trace_event *e, char *out, size_t n)
{
	const char *type = snpm_section_type_name(e->section_type);

	switch (e->phase) {
	case SNPM_PHASE_SEED:
		snprintf(out, n, "firmware digest (--snp-ovmf-hash)");
		break;
	case SNPM_PHASE_FIRMWARE:
		snprintf(out, n, "firmware");
		break;
	case SNPM_PHASE_SVSM:
		snprintf(out, n, "SVSM image");
		break;
	case SNPM_PHASE_SECTION:
		snprintf(out, n, "metadata section %u %s", e->index, type ? type : "?");
		break;
	case SNPM_PHASE_KERNEL_HASHES:
		if (e->page_type)
			snprintf(out, n, "kernel hashes page (section %u)", e->index);
		else
			snprintf(out, n, "kernel hashes table");
		break;
	case SNPM_PHASE_VMSA:
		snprintf(out, n, "VMSA of vCPU %u%s", e->index, e->index ? " (AP)" : " (BSP)");
		break;
	case SNPM_PHASE_IGVM:
		snprintf(out, n, "IGVM directive %u %s", e->index, e->what ? e->what : "");
		break;
	case SNPM_PHASE_KRUN:
		snprintf(out, n, "%s", e->what ? e->what : "libkrun piece");
		break;
	}
}

/* Steps fold into one line while phase, page type and contents kind stay and GPAs run on. */
static bool folds(const struct snpm_trace_event *a, const struct snpm_trace_event *b)
{
	bool same_contents = memcmp(a->contents, b->contents, SNPM_SHA384_SIZE) == 0;

	if (a->phase != b->phase || a->page_type != b->page_type || a->phase == SNPM_PHASE_SEED)
		return false;
	if (a->phase == SNPM_PHASE_VMSA)
		return a->index > 0 && same_contents; /* APs share one VMSA */
	if (!a->page_type || b->gpa != a->gpa + SNPM_PAGE_SIZE)
		return false;
	/* An IGVM file's consecutive directives of one kind read as one run. */
	if (a->phase == SNPM_PHASE_IGVM)
		return (a->index == b->index || a->index + 1 == b->index) &&
		       (a->what == b->what || (a->what && b->what && !strcmp(a->what, b->what)));
	if (a->index != b->index)
		return false;
	return same_contents || a->phase == SNPM_PHASE_FIRMWARE || a->phase == SNPM_PHASE_SVSM ||
	       a->phase == SNPM_PHASE_KRUN;
}

static void print_run(const struct snpm_trace_event *first, const struct snpm_trace_event *last,
		      size_t count, size_t ld_len)
{
	char phase[64], contents[2 * SNPM_SHA384_SIZE + 1], ld[2 * SNPM_LD_SIZE + 1];

	phase_text(first, phase, sizeof(phase));
	if (first->phase == SNPM_PHASE_VMSA && count > 1)
		snprintf(phase, sizeof(phase), "VMSA of vCPUs %u-%u (APs)", first->index,
			 last->index);
	if (first->phase == SNPM_PHASE_IGVM && first->index != last->index)
		snprintf(phase, sizeof(phase), "IGVM directives %u-%u %s", first->index,
			 last->index, first->what ? first->what : "");
	if (!first->page_type) {
		to_hex(first->contents, SNPM_SHA256_SIZE, contents);
		printf("%-36s %8llu bytes  sha256 %s\n", phase, (unsigned long long)first->length,
		       contents);
		return;
	}
	to_hex(last->digest, ld_len, ld);
	if (first->phase == SNPM_PHASE_SEED) {
		printf("%-36s ld %s\n", phase, ld);
		return;
	}
	printf("%-36s %-10s × %-5zu at 0x%llx-0x%llx\n", phase, page_type_name(first->page_type),
	       count, (unsigned long long)first->gpa,
	       (unsigned long long)last->gpa + SNPM_PAGE_SIZE - 1);
	if (count == 1 &&
	    (first->page_type == SNPM_PAGE_NORMAL || first->page_type == SNPM_PAGE_VMSA)) {
		to_hex(first->contents, SNPM_SHA384_SIZE, contents);
		printf("%-36s contents %s\n", "", contents);
	}
	printf("%-36s ld %s\n", "", ld);
}

static void print_steps_human(const struct steps *s)
{
	for (size_t i = 0; i < s->n;) {
		size_t j = i + 1;
		while (j < s->n && folds(&s->ev[j - 1], &s->ev[j]))
			j++;
		print_run(&s->ev[i], &s->ev[j - 1], j - i, SNPM_LD_SIZE);
		i = j;
	}
}

static struct json_object *steps_json(const struct steps *s)
{
	struct json_object *arr = json_object_new_array();
	char phase[64];

	for (size_t i = 0; i < s->n; i++) {
		const struct snpm_trace_event *e = &s->ev[i];
		struct json_object *o = json_object_new_object();
		phase_text(e, phase, sizeof(phase));
		json_add_str(o, "step", phase);
		json_object_object_add(o, "index", json_object_new_int64(e->index));
		if (e->phase == SNPM_PHASE_SECTION || e->phase == SNPM_PHASE_KERNEL_HASHES)
			json_add_str(o, "section_type", snpm_section_type_name(e->section_type));
		if (e->page_type) {
			json_add_str(o, "page_type", page_type_name(e->page_type));
			json_add_u64_hex(o, "gpa", e->gpa);
			json_add_hex(o, "contents", e->contents, SNPM_SHA384_SIZE);
			json_add_hex(o, "ld", e->digest, SNPM_LD_SIZE);
		} else if (e->phase == SNPM_PHASE_SEED) {
			json_add_hex(o, "ld", e->digest, SNPM_LD_SIZE);
		} else {
			json_object_object_add(o, "length",
					       json_object_new_int64((int64_t)e->length));
			json_add_hex(o, "sha256", e->contents, SNPM_SHA256_SIZE);
		}
		json_object_array_add(arr, o);
	}
	return arr;
}

static void print_components_human(const struct measure_args *a,
				   const struct snpm_measure_config *cfg)
{
	uint8_t table[SNPM_HASHES_TABLE_SIZE];
	char hex[2 * SNPM_HASHES_TABLE_SIZE + 1];
	struct snpm_measure_config resolved = { .size = sizeof(resolved) };

	if (snpm_measure_resolve(cfg, &resolved, NULL) == 0)
		cfg = &resolved;

	if (cfg->mode == SNPM_MODE_SNP) {
		char names[512];
		snpm_guest_features_format(cfg->guest_features, names, sizeof(names));
		printf("\nguest features 0x%llx (%s) in every VMSA\n",
		       (unsigned long long)cfg->guest_features, names);
	}
	if (!cfg->has_kernel)
		return;
	printf("\ncomponents:\n");
	to_hex(cfg->kernel_sha256, SNPM_SHA256_SIZE, hex);
	printf("  kernel   sha256 %s%s%s\n", hex, a->kernel ? "  " : "",
	       a->kernel ? a->kernel : "");
	to_hex(cfg->initrd_sha256, SNPM_SHA256_SIZE, hex);
	printf("  initrd   sha256 %s%s%s\n", hex, a->initrd ? "  " : "  (none)",
	       a->initrd ? a->initrd : "");
	to_hex(cfg->cmdline_sha256, SNPM_SHA256_SIZE, hex);
	printf("  cmdline  sha256 %s  \"%s\" + NUL\n", hex, a->append ? a->append : "");
	snpm_hashes_table_build(cfg->cmdline_sha256, cfg->initrd_sha256, cfg->kernel_sha256, table);
	to_hex(table, sizeof(table), hex);
	printf("  hashes table (%u bytes) %s\n", SNPM_HASHES_TABLE_SIZE, hex);
}

static void print_explain_json(const struct measure_args *a, const struct snpm_measure_config *cfg,
			       const struct inputs *in, const struct steps *s, const char *digest)
{
	struct json_object *o = measure_inputs_json(a, cfg, in);
	uint8_t table[SNPM_HASHES_TABLE_SIZE];

	json_object_object_add(o, "steps", steps_json(s));
	if (cfg->has_kernel) {
		snpm_hashes_table_build(cfg->cmdline_sha256, cfg->initrd_sha256, cfg->kernel_sha256,
					table);
		struct json_object *t = json_object_new_object();
		char *hex = malloc(2 * sizeof(table) + 1);
		if (hex) {
			to_hex(table, sizeof(table), hex);
			json_add_str(t, "hashes_table", hex);
			free(hex);
		}
		json_object_object_add(o, "components", t);
	}
	json_add_str(o, "measurement", digest);
	print_json(o);
	json_object_put(o);
}

/* ---- explain --diff: where two launches part ---- */

struct side {
	struct measure_args a;
	struct snpm_measure_config cfg;
	struct inputs in;
	struct steps steps;
	uint8_t digest[SNPM_LD_SIZE];
	size_t len;
};

static int trace_side(int argc, char **argv, struct side *s)
{
	struct snpm_error err;
	int r = measure_setup(argc, argv, VERB_EXPLAIN, &s->a, &s->cfg, &s->in);

	if (r == 0 && s->a.snp_ovmf_hash_only) {
		usage_error("explain: use --mode snp (snp:ovmf-hash is one step)");
		r = EXIT_USAGE;
	}
	if (r == 0 && snpm_measure_trace(&s->cfg, collect, &s->steps, s->digest, &s->len, &err) < 0)
		r = report_verdict(error_file(&s->a), &err);
	if (r == 0)
		r = inputs_check(&s->a, &s->in);
	if (r == 0 && s->steps.overflow) {
		fail_line("too many steps to explain");
		r = EXIT_FAIL;
	}
	return r;
}

static void side_free(struct side *s)
{
	free(s->steps.ev);
	inputs_free(&s->in);
	args_free(&s->a);
}

/* The steps differ where their digests do (SNP) or what they hashed does (SEV, SEV-ES). */
static bool same_step(const struct snpm_trace_event *x, const struct snpm_trace_event *y)
{
	return x->phase == y->phase && x->page_type == y->page_type && x->gpa == y->gpa &&
	       x->length == y->length && memcmp(x->contents, y->contents, SNPM_SHA384_SIZE) == 0 &&
	       memcmp(x->digest, y->digest, SNPM_LD_SIZE) == 0;
}

static void print_step(const char *label, const struct snpm_trace_event *e)
{
	char phase[64], hex[2 * SNPM_SHA384_SIZE + 1];

	if (!e) {
		printf("  %s  (no such step: its launch ended)\n", label);
		return;
	}
	phase_text(e, phase, sizeof(phase));
	if (e->page_type) {
		to_hex(e->contents, SNPM_SHA384_SIZE, hex);
		printf("  %s  %-36s %-10s at 0x%llx\n      contents %s\n", label, phase,
		       page_type_name(e->page_type), (unsigned long long)e->gpa, hex);
	} else {
		to_hex(e->contents, SNPM_SHA256_SIZE, hex);
		printf("  %s  %-36s %llu bytes\n      sha256 %s\n", label, phase,
		       (unsigned long long)e->length, hex);
	}
}

/* What of the two steps differs, in words. */
static void print_step_difference(const struct snpm_trace_event *x,
				  const struct snpm_trace_event *y)
{
	if (!x || !y)
		return;
	printf("  differ in:");
	if (x->phase != y->phase || x->index != y->index)
		printf(" what is measured;");
	if (x->page_type != y->page_type)
		printf(" page type;");
	if (x->gpa != y->gpa)
		printf(" address;");
	if (x->length != y->length)
		printf(" length;");
	if (memcmp(x->contents, y->contents, SNPM_SHA384_SIZE) != 0)
		printf(" contents;");
	if (x->phase == y->phase && x->page_type == y->page_type && x->gpa == y->gpa &&
	    memcmp(x->contents, y->contents, SNPM_SHA384_SIZE) == 0)
		printf(" the digest before it;");
	printf("\n");
}

/* A field's value as a little-endian number, or its bytes when wider than 8. */
static void field_value(const uint8_t *page, const struct snpm_vmsa_field *f, char *out, size_t n)
{
	uint64_t v = 0;

	if (f->size > 8) {
		to_hex(page + f->offset, f->size, out);
		return;
	}
	for (uint32_t i = f->size; i > 0; i--)
		v = v << 8 | page[f->offset + i - 1];
	snprintf(out, n, "0x%llx", (unsigned long long)v);
}

/* The VMSA fields of vCPU index that differ, and bytes outside every named field. */
static void print_vmsa_difference(const struct side *x, const struct side *y, uint32_t index)
{
	uint8_t px[SNPM_PAGE_SIZE], py[SNPM_PAGE_SIZE];
	uint8_t named[SNPM_PAGE_SIZE] = { 0 };
	char vx[64], vy[64];

	if (snpm_measure_vmsa(&x->cfg, index, px, NULL) < 0 ||
	    snpm_measure_vmsa(&y->cfg, index, py, NULL) < 0)
		return;
	printf("\nVMSA of vCPU %u, fields that differ:\n", index);
	for (const struct snpm_vmsa_field *f = snpm_vmsa_fields(); f->name; f++) {
		memset(named + f->offset, 1, f->size);
		if (memcmp(px + f->offset, py + f->offset, f->size) == 0)
			continue;
		field_value(px, f, vx, sizeof(vx));
		field_value(py, f, vy, sizeof(vy));
		printf("  %-13s %s -> %s\n", f->name, vx, vy);
	}
	for (size_t i = 0; i < SNPM_PAGE_SIZE; i++)
		if (!named[i] && px[i] != py[i])
			printf("  byte 0x%03zx     0x%02x -> 0x%02x\n", i, px[i], py[i]);
}

/* The kernel hashes a launch measures, when they are where the two part. */
static void print_hashes_difference(const struct side *x, const struct side *y)
{
	static const char *const names[] = { "kernel", "initrd", "cmdline" };
	const uint8_t *hx[] = { x->cfg.kernel_sha256, x->cfg.initrd_sha256, x->cfg.cmdline_sha256 };
	const uint8_t *hy[] = { y->cfg.kernel_sha256, y->cfg.initrd_sha256, y->cfg.cmdline_sha256 };
	char a[2 * SNPM_SHA256_SIZE + 1], b[2 * SNPM_SHA256_SIZE + 1];

	if (!x->cfg.has_kernel || !y->cfg.has_kernel)
		return;
	printf("\nkernel hashes that differ:\n");
	for (size_t i = 0; i < 3; i++) {
		if (memcmp(hx[i], hy[i], SNPM_SHA256_SIZE) == 0)
			continue;
		to_hex(hx[i], SNPM_SHA256_SIZE, a);
		to_hex(hy[i], SNPM_SHA256_SIZE, b);
		printf("  %-8s %s\n  %-8s %s\n", names[i], a, "", b);
	}
}

static void print_diff(const struct side *x, const struct side *y)
{
	size_t k = 0, n = x->steps.n < y->steps.n ? x->steps.n : y->steps.n;
	const struct snpm_trace_event *ex, *ey;
	char dx[2 * SNPM_LD_SIZE + 1], dy[2 * SNPM_LD_SIZE + 1];

	while (k < n && same_step(&x->steps.ev[k], &y->steps.ev[k]))
		k++;
	format_digest(x->digest, x->len, x->a.base64, dx);
	format_digest(y->digest, y->len, y->a.base64, dy);
	printf("first  %s\nsecond %s\n", dx, dy);
	if (k == x->steps.n && k == y->steps.n) {
		printf("\nthe two launches are the same: %zu steps\n", k);
		return;
	}
	printf("\nthe launches agree for %zu step%s", k, k == 1 ? "" : "s");
	if (k) {
		char phase[64];
		phase_text(&x->steps.ev[k - 1], phase, sizeof(phase));
		printf(" (up to %s)", phase);
	}
	printf(" and part at step %zu:\n", k + 1);
	ex = k < x->steps.n ? &x->steps.ev[k] : NULL;
	ey = k < y->steps.n ? &y->steps.ev[k] : NULL;
	print_step("first ", ex);
	print_step("second", ey);
	print_step_difference(ex, ey);
	if (ex && ey && ex->phase == SNPM_PHASE_VMSA && ey->phase == SNPM_PHASE_VMSA)
		print_vmsa_difference(x, y, ex->index);
	if (ex && ey && ex->phase == SNPM_PHASE_KERNEL_HASHES && ey->phase == ex->phase)
		print_hashes_difference(x, y);
}

/* explain A-OPTIONS --diff B-OPTIONS: each side a whole configuration. */
static int explain_diff(int argc, char **argv, int at)
{
	static struct side x, y;
	char **second = calloc((size_t)(argc - at) + 1, sizeof(*second));
	int r;

	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	if (!second) {
		fail_line("out of memory");
		return EXIT_FAIL;
	}
	second[0] = argv[0];
	memcpy(second + 1, argv + at + 1, (size_t)(argc - at - 1) * sizeof(*second));
	r = trace_side(at, argv, &x);
	if (r == 0)
		r = trace_side(argc - at, second, &y);
	if (r == 0 && x.len != y.len) {
		usage_error("explain --diff: the two sides measure different modes");
		r = EXIT_USAGE;
	}
	if (r == 0)
		print_diff(&x, &y);
	side_free(&x);
	side_free(&y);
	free(second);
	return r;
}

int cmd_explain(int argc, char **argv)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct measure_args a;
	struct inputs in;
	struct snpm_error err;
	struct steps steps = { 0 };
	uint8_t digest[SNPM_LD_SIZE];
	char out[2 * SNPM_LD_SIZE + 1];
	size_t len;
	int r;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--diff") == 0)
			return explain_diff(argc, argv, i);
	r = measure_setup(argc, argv, VERB_EXPLAIN, &a, &cfg, &in);

	if (r == 0 && a.snp_ovmf_hash_only) {
		usage_error("explain: use --mode snp (snp:ovmf-hash is one step)");
		r = EXIT_USAGE;
	}
	if (r == 0 && snpm_measure_trace(&cfg, collect, &steps, digest, &len, &err) < 0)
		r = report_verdict(error_file(&a), &err);
	if (r == 0)
		r = inputs_check(&a, &in);
	if (r == 0 && steps.overflow) {
		fail_line("too many steps to explain");
		r = EXIT_FAIL;
	}
	if (r == 0) {
		args_note_defaults(&a);
		format_digest(digest, len, a.base64, out);
		if (a.json) {
			print_explain_json(&a, &cfg, &in, &steps, out);
		} else {
			print_steps_human(&steps);
			print_components_human(&a, &cfg);
			printf("\nmeasurement: %s\n", out);
		}
	}
	free(steps.ev);
	inputs_free(&in);
	args_free(&a);
	return r;
}
