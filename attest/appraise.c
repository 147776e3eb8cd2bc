/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Appraisal (<snpm/appraise.h>): the rules a policy (policy.c) sets, judged on a report.
 *
 * The rules follow go-sev-guest's validate.Options where it has one (guest policy bits against
 * what is allowed, verbatim fields, minimum TCBs and launch TCB, committed against current
 * firmware unless provisional firmware is allowed, minimum firmware version and build, platform
 * info, mitigation vectors, VMPL, trusted ID and author keys), and dstack's KMS for "up to date":
 * the current, reported, committed and launch TCBs all equal. The reported TCB must equal the
 * certificate's (as report verification checks), and a policy key left out takes its strict
 * value: nothing debug, migratable, SMT-capable, multi-socket or masked is accepted, VMPL 0,
 * report versions 2, 3 and 5, VCEK or VLEK, an ID block required, the TCB up to date, a CRL
 * required.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <snpm/appraise.h>
#include <snpm/dstack.h>

#include "collateral.h"
#include "../core/crypto.h"
#include "endorse.h"
#include "../core/json.h"
#include "policy.h"

/* ---- the appraiser: endorsements by the certificates they came from ---- */

#define CACHE_SIZE 16

struct cached {
	uint8_t key[SNPM_SHA256_SIZE];
	struct snpm_endorsement e;
	bool used;
};

struct snpm_appraiser {
	struct cached cache[CACHE_SIZE];
	size_t next;
};

int snpm_appraiser_new(struct snpm_appraiser **ret, struct snpm_error *reterr)
{
	struct snpm_appraiser *a = calloc(1, sizeof(*a));

	if (!a)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	*ret = a;
	return 0;
}

void snpm_appraiser_free(struct snpm_appraiser *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < CACHE_SIZE; i++)
		snpm_endorsement_free(&a->cache[i].e);
	free(a);
}

/* What an endorsement depends on: the certificate bytes, the roots trusted, the report's
 * family and key kind. */
static int cache_key(const struct snpm_cert_input *c, const struct snpm_trust *trust,
		     const struct snpm_report *rep, uint8_t key[SNPM_SHA256_SIZE],
		     struct snpm_error *reterr)
{
	const uint8_t *parts[] = { c->vcek, c->ask, c->ark, c->chain };
	size_t lens[] = { c->vcek_len, c->ask_len, c->ark_len, c->chain_len };
	uint8_t tail[3] = { (uint8_t)snpm_report_family(rep), (uint8_t)snpm_report_signing_key(rep),
			    trust->custom };
	struct snpm_hash *h = NULL;
	int r = snpm_hash_new(SNPM_HASH_SHA256, &h, reterr);

	for (size_t i = 0; r == 0 && i < 4; i++) {
		uint8_t len[8];
		snpm_put_le64(len, parts[i] ? lens[i] : UINT64_MAX);
		r = snpm_hash_update(h, len, sizeof(len), reterr);
		if (r == 0 && parts[i])
			r = snpm_hash_update(h, parts[i], lens[i], reterr);
	}
	/* The roots by their bytes: a root given per call may reuse an address. */
	for (size_t i = 0; r == 0 && i < trust->n_chains; i++)
		r = snpm_hash_update(h, trust->chains[i].ark, strlen(trust->chains[i].ark) + 1,
				     reterr);
	if (r == 0)
		r = snpm_hash_update(h, tail, sizeof(tail), reterr);
	if (r == 0)
		r = snpm_hash_final(h, key, reterr);
	snpm_hash_free(h);
	return r;
}

/* ---- the rules ---- */

struct ctx {
	const struct snpm_policy *p;
	const struct snpm_report *rep;
	const struct snpm_collateral *coll;
	const uint8_t *raw; /* the report's bytes */
	struct snpm_appraiser *appraiser; /* its cache of endorsements, or NULL */
	const struct snpm_trust *trust;
	struct snpm_endorsement *fresh; /* an endorsement made for this appraisal */
	const struct snpm_endorsement *e; /* NULL until the chain verified */
	const struct snpm_endorsement *chain; /* the chain, before the signature is checked */
	bool verified; /* chain, signature and certificate fields all held */
	enum snpm_cpu_family family;
	int64_t now;
	bool unverified; /* the rules after verification are shown, not judged */
	bool dropped; /* a rule found the table full: the appraisal fails */
	struct snpm_appraisal *out;
};

__attribute__((format(printf, 5, 6))) static void rule(struct ctx *c, const char *name,
						       enum snpm_rule_status status,
						       const char *expected, const char *fmt, ...)
{
	struct snpm_rule *r;
	va_list ap;

	c->dropped = c->out->n == SNPM_MAX_RULES;
	if (c->dropped) {
		c->out->pass = false; /* never a verdict left out */
		return;
	}
	r = &c->out->rules[c->out->n++];
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->status = c->unverified ? SNPM_RULE_SKIP : status;
	if (c->unverified)
		snprintf(r->why, sizeof(r->why), "not judged: the report did not verify");
	snprintf(r->expected, sizeof(r->expected), "%s", expected ? expected : "");
	va_start(ap, fmt);
	vsnprintf(r->found, sizeof(r->found), fmt, ap);
	va_end(ap);
	if (status == SNPM_RULE_FAIL)
		c->out->pass = false;
}

/* The last rule's reason. */
__attribute__((format(printf, 2, 3))) static void why(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->unverified || c->dropped)
		return;
	va_start(ap, fmt);
	vsnprintf(c->out->rules[c->out->n - 1].why, SNPM_RULE_TEXT, fmt, ap);
	va_end(ap);
}

static void hex_of(const uint8_t *d, size_t n, char *out)
{
	snpm_hex_encode(d, n, out);
}

static void pinned_list(const struct pins *p, char *out, size_t n)
{
	char hex[2 * 64 + 1];

	if (p->n == 1) {
		hex_of(p->v, p->size, hex);
		snprintf(out, n, "%s", hex);
	} else {
		snprintf(out, n, "one of %zu pinned", p->n);
	}
}

/* A field pinned to one value. */
static void field_rule(struct ctx *c, const char *name, bool given, const uint8_t *want,
		       const uint8_t *have, size_t len)
{
	char w[2 * 64 + 1], h[2 * 64 + 1];

	hex_of(have, len, h);
	if (!given) {
		rule(c, name, SNPM_RULE_SKIP, "", "%s", h);
		why(c, "not pinned");
		return;
	}
	hex_of(want, len, w);
	rule(c, name, memcmp(want, have, len) ? SNPM_RULE_FAIL : SNPM_RULE_PASS, w, "%s", h);
}

/* A guest policy capability the policy allows or not (go-sev-guest validatePolicy). */
static void allow_rule(struct ctx *c, const char *name, unsigned bit, bool allowed)
{
	bool set = (c->rep->policy >> bit) & 1;

	rule(c, name, set && !allowed ? SNPM_RULE_FAIL : SNPM_RULE_PASS,
	     allowed ? "allowed" : "not allowed", "guest policy bit %u %s", bit,
	     set ? "set" : "clear");
	if (set && !allowed)
		why(c, "the guest policy permits it and this policy does not");
}

/* A TCB by the policy's own component names (min_tcb's keys). */
static void tcb_text(const struct snpm_tcb *t, char *out, size_t n)
{
	if (t->has_fmc)
		snprintf(out, n, "fmc %u bootloader %u tee %u snp %u microcode %u", t->fmc,
			 t->bootloader, t->tee, t->snp, t->microcode);
	else
		snprintf(out, n, "bootloader %u tee %u snp %u microcode %u", t->bootloader, t->tee,
			 t->snp, t->microcode);
}

/* The first component below the minimum, by name, or NULL. */
static const char *below_minimum(const struct snpm_tcb *t, const struct min_tcb *m, unsigned *have,
				 unsigned *want)
{
	const struct {
		const char *name;
		uint8_t have, want;
	} parts[] = {
		{ "fmc", t->fmc, m->fmc },
		{ "bootloader", t->bootloader, m->bootloader },
		{ "tee", t->tee, m->tee },
		{ "snp", t->snp, m->snp },
		{ "microcode", t->microcode, m->microcode },
	};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].have < parts[i].want) {
			*have = parts[i].have, *want = parts[i].want;
			return parts[i].name;
		}
	return NULL;
}

static void min_tcb_rule(struct ctx *c, const char *name, const struct min_tcb *m, uint64_t value)
{
	struct snpm_tcb t, want = { .has_fmc = m->has_fmc || snpm_family_has_fmc(c->family) };
	const char *low;
	unsigned have, need;
	char w[96], h[96];

	snpm_tcb_split(value, c->family, &t);
	tcb_text(&t, h, sizeof(h));
	if (!m->given) {
		rule(c, name, SNPM_RULE_SKIP, "", "%s", h);
		why(c, "no minimum set");
		return;
	}
	want.fmc = m->fmc, want.bootloader = m->bootloader, want.tee = m->tee, want.snp = m->snp;
	want.microcode = m->microcode;
	tcb_text(&want, w, sizeof(w));
	/* A minimum that cannot be judged fails: a Milan or Genoa TCB has no FMC. */
	if (m->has_fmc && !t.has_fmc) {
		rule(c, name, SNPM_RULE_FAIL, w, "%s", h);
		why(c,
		    "the policy sets a minimum fmc, which a %s TCB does not have: it cannot be "
		    "judged",
		    snpm_cpu_family_name(c->family));
		return;
	}
	low = below_minimum(&t, m, &have, &need);
	rule(c, name, low ? SNPM_RULE_FAIL : SNPM_RULE_PASS, w, "%s", h);
	if (low)
		why(c, "%s %u is below the minimum %u", low, have, need);
}

/* Every component of a <= b (go-sev-guest's tcbGtError). */
static bool tcb_le(uint64_t a, uint64_t b, enum snpm_cpu_family f)
{
	struct snpm_tcb x, y;

	snpm_tcb_split(a, f, &x);
	snpm_tcb_split(b, f, &y);
	return x.fmc <= y.fmc && x.bootloader <= y.bootloader && x.tee <= y.tee && x.snp <= y.snp &&
	       x.microcode <= y.microcode;
}

static void judge_min_tcb(struct ctx *c, const char *name)
{
	min_tcb_rule(c, name, &c->p->min_tcb, c->rep->reported_tcb);
}

static void judge_min_launch_tcb(struct ctx *c, const char *name)
{
	min_tcb_rule(c, name, &c->p->min_launch_tcb, c->rep->launch_tcb);
}

/* The committed firmware against the running one (go-sev-guest PermitProvisionalFirmware). */
static void judge_committed_firmware(struct ctx *c, const char *name)
{
	const struct snpm_report *r = c->rep;
	bool ok = c->p->allow_provisional_firmware ?
			  tcb_le(r->committed_tcb, r->current_tcb, c->family) &&
				  r->committed_major * 256 + r->committed_minor <=
					  r->current_major * 256 + r->current_minor &&
				  r->committed_build <= r->current_build :
			  r->committed_tcb == r->current_tcb &&
				  r->committed_major == r->current_major &&
				  r->committed_minor == r->current_minor &&
				  r->committed_build == r->current_build;

	rule(c, name, ok ? SNPM_RULE_PASS : SNPM_RULE_FAIL,
	     c->p->allow_provisional_firmware ? "committed <= current" : "committed = current",
	     "committed %u.%u build %u tcb 0x%016llx, current %u.%u build %u tcb 0x%016llx",
	     r->committed_major, r->committed_minor, r->committed_build,
	     (unsigned long long)r->committed_tcb, r->current_major, r->current_minor,
	     r->current_build, (unsigned long long)r->current_tcb);
	if (!ok)
		why(c, "the running firmware is not the committed one");
}

/* dstack's KMS rule: the current, reported, committed and launch TCBs all equal. */
static void judge_tcb_up_to_date(struct ctx *c, const char *name)
{
	const struct snpm_report *r = c->rep;
	bool same = r->current_tcb == r->reported_tcb && r->committed_tcb == r->reported_tcb &&
		    r->launch_tcb == r->reported_tcb;

	if (!c->p->require_up_to_date) {
		rule(c, name, SNPM_RULE_SKIP, "", "%s", same ? "yes" : "no");
		why(c, "not required");
		return;
	}
	rule(c, name, same ? SNPM_RULE_PASS : SNPM_RULE_FAIL,
	     "current = reported = committed = launch",
	     "current 0x%016llx reported 0x%016llx committed 0x%016llx launch 0x%016llx",
	     (unsigned long long)r->current_tcb, (unsigned long long)r->reported_tcb,
	     (unsigned long long)r->committed_tcb, (unsigned long long)r->launch_tcb);
	if (!same)
		why(c, "the platform's TCB is not up to date (dstack's rule)");
}

static void judge_min_abi(struct ctx *c, const char *name)
{
	const struct snpm_report *r = c->rep;
	char w[32];

	if (!c->p->has_min_abi) {
		rule(c, name, SNPM_RULE_SKIP, "", "%u.%u", r->current_major, r->current_minor);
		why(c, "no minimum set");
		return;
	}
	bool ok = r->current_major * 256 + r->current_minor >=
		  c->p->min_abi_major * 256 + c->p->min_abi_minor;
	snprintf(w, sizeof(w), ">= %u.%u", c->p->min_abi_major, c->p->min_abi_minor);
	rule(c, name, ok ? SNPM_RULE_PASS : SNPM_RULE_FAIL, w, "%u.%u", r->current_major,
	     r->current_minor);
}

static void judge_min_build(struct ctx *c, const char *name)
{
	const struct snpm_report *r = c->rep;
	char w[32];

	if (!c->p->has_min_build) {
		rule(c, name, SNPM_RULE_SKIP, "", "%u", r->current_build);
		why(c, "no minimum set");
		return;
	}
	snprintf(w, sizeof(w), ">= %u", c->p->min_build);
	rule(c, name, r->current_build >= c->p->min_build ? SNPM_RULE_PASS : SNPM_RULE_FAIL, w,
	     "%u", r->current_build);
}

/* A PLATFORM_INFO bit: the rule "platform_KEY" judges the bit of platform's KEY. */
static void judge_platform(struct ctx *c, const char *name)
{
	size_t i = 0;

	while (i < N_PLATFORM - 1 && strcmp(name + 9, snpm_platform_keys[i].key) != 0)
		i++;
	bool set = (c->rep->platform_info >> snpm_platform_keys[i].bit) & 1;
	enum tri want = c->p->platform[i];
	bool ok = want == ANY || (want == REQUIRED) == set;
	if (want == ANY) {
		rule(c, name, SNPM_RULE_SKIP, "", "%s", set ? "set" : "clear");
		why(c, "neither required nor forbidden");
		return;
	}
	rule(c, name, ok ? SNPM_RULE_PASS : SNPM_RULE_FAIL, want == REQUIRED ? "set" : "clear",
	     "%s", set ? "set" : "clear");
}

static void judge_mitigations(struct ctx *c, const char *name)
{
	const struct snpm_report *r = c->rep;
	const struct snpm_policy *p = c->p;
	char w[64];
	bool ok;

	if (!p->has_mitigations || (!p->mit_current && !p->mit_launch)) {
		if (r->has_mit_vectors)
			rule(c, name, SNPM_RULE_SKIP, "", "current 0x%llx launch 0x%llx",
			     (unsigned long long)r->current_mit_vector,
			     (unsigned long long)r->launch_mit_vector);
		else
			rule(c, name, SNPM_RULE_SKIP, "", "none (report version %u)", r->version);
		why(c, "no bits required");
		return;
	}
	snprintf(w, sizeof(w), "current has 0x%llx, launch has 0x%llx",
		 (unsigned long long)p->mit_current, (unsigned long long)p->mit_launch);
	if (!r->has_mit_vectors) {
		rule(c, name, SNPM_RULE_FAIL, w, "none (report version %u)", r->version);
		why(c, "only version 5 reports carry mitigation vectors");
		return;
	}
	ok = (r->current_mit_vector & p->mit_current) == p->mit_current &&
	     (r->launch_mit_vector & p->mit_launch) == p->mit_launch;
	rule(c, name, ok ? SNPM_RULE_PASS : SNPM_RULE_FAIL, w, "current 0x%llx launch 0x%llx",
	     (unsigned long long)r->current_mit_vector, (unsigned long long)r->launch_mit_vector);
	uint64_t miss_cur = p->mit_current & ~r->current_mit_vector;
	uint64_t miss_launch = p->mit_launch & ~r->launch_mit_vector;
	if (!ok)
		why(c, "mitigation bit %d is missing from the %s vector",
		    __builtin_ctzll(miss_cur ? miss_cur : miss_launch),
		    miss_cur ? "current" : "launch");
}

/*
 * An ID block: its ID key pinned, or its author key (go-sev-guest validateKeys). A report
 * without one (a zero ID key digest) passes only when the policy does not require one; pinned
 * keys then bind any ID block that is present.
 */
static void judge_id_block(struct ctx *c, const char *name)
{
	const struct snpm_report *r = c->rep;
	const struct snpm_policy *p = c->p;
	bool present = !snpm_all_zero(r->id_key_digest, SNPM_SHA384_SIZE);
	bool author_en = r->key_info & 1;
	bool author_ok = author_en && snpm_pins_has(&p->author_keys, r->author_key_digest);
	bool id_ok = snpm_pins_has(&p->id_keys, r->id_key_digest);
	const char *want = "a pinned ID key, or an ID key signed by a pinned author key";
	char h[2 * SNPM_SHA384_SIZE + 1];

	hex_of(r->id_key_digest, SNPM_SHA384_SIZE, h);
	if (!present) {
		rule(c, name, p->require_id_block ? SNPM_RULE_FAIL : SNPM_RULE_PASS,
		     p->require_id_block ? want : "not required", "no ID block (ID key digest 0)");
		if (p->require_id_block)
			why(c, "the policy requires an ID block (require_id_block)");
		return;
	}
	if (!p->require_id_block && !p->id_keys.given && !p->author_keys.given) {
		rule(c, name, SNPM_RULE_SKIP, "", "ID key %s", h);
		why(c, "not required and no key pinned");
		return;
	}
	rule(c, name, id_ok || author_ok ? SNPM_RULE_PASS : SNPM_RULE_FAIL, want, "ID key %s%s", h,
	     author_en ? ", author key enabled" : "");
	if (!id_ok && !author_ok)
		why(c, p->id_keys.n || p->author_keys.n ?
			       "neither key is pinned" :
		       p->id_keys.given || p->author_keys.given ?
			       "the policy's key lists are empty: no ID block is accepted" :
			       "an ID block is required but no key is pinned");
}

static void list_rule(struct ctx *c, const char *name, const struct pins *p, const uint8_t *have,
		      bool required)
{
	char w[160], h[2 * 64 + 1];

	hex_of(have, p->size, h);
	if (!p->given && !required) {
		rule(c, name, SNPM_RULE_SKIP, "", "%s", h);
		why(c, "not pinned");
		return;
	}
	pinned_list(p, w, sizeof(w));
	rule(c, name, snpm_pins_has(p, have) ? SNPM_RULE_PASS : SNPM_RULE_FAIL,
	     p->n ? w : "none (an empty list)", "%s", h);
	/* An empty list accepts nothing: one emptied by decommissioning must not open the door. */
	if (!p->n && !p->given)
		why(c, "the policy pins no %s: nothing can pass", name);
	else if (!p->n)
		why(c, "the policy's list is empty: nothing is accepted");
	else if (!snpm_pins_has(p, have))
		why(c, "not among the pinned values");
}

/* dstack's identities, which its KMS pins: mr_system, mr_aggregated, device_id. */
static void dstack_ids(const struct ctx *c, struct snpm_dstack_ids *ids)
{
	if (snpm_dstack_ids(c->rep, ids, NULL) < 0)
		memset(ids, 0, sizeof(*ids)); /* no match then: pins are never all zero */
}

static void judge_dstack_mr_system(struct ctx *c, const char *name)
{
	struct snpm_dstack_ids ids;

	dstack_ids(c, &ids);
	list_rule(c, name, &c->p->mr_systems, ids.mr_system, false);
}

static void judge_dstack_mr_aggregated(struct ctx *c, const char *name)
{
	struct snpm_dstack_ids ids;

	dstack_ids(c, &ids);
	list_rule(c, name, &c->p->mr_aggregateds, ids.mr_aggregated, false);
}

static void judge_dstack_device_id(struct ctx *c, const char *name)
{
	struct snpm_dstack_ids ids;

	dstack_ids(c, &ids);
	list_rule(c, name, &c->p->device_ids, ids.device_id, false);
}

/* What the ABI reserves (guest policy bits 17 and 26-63, reserved bytes): a report that breaks
 * it is malformed, whatever signed it. */
static void judge_reserved_fields(struct ctx *c, const char *name)
{
	struct snpm_error err;
	int r = snpm_report_check_reserved(c->raw, &err);

	rule(c, name, r == 0 ? SNPM_RULE_PASS : SNPM_RULE_FAIL, "as the ABI reserves them", "%s",
	     r == 0 ? "as reserved" : "not as reserved");
	if (r < 0)
		why(c, "%s", err.message);
}

static void judge_measurement(struct ctx *c, const char *name)
{
	char h[2 * SNPM_LD_SIZE + 1];

	/* A file of reference values the caller never added also brings HOST_DATA, keys and a
	 * TCB: judged without it, those would pass unjudged. */
	if (c->p->refvals_path && !c->p->refvals_added) {
		hex_of(c->rep->measurement, SNPM_LD_SIZE, h);
		rule(c, name, SNPM_RULE_FAIL, "the policy's reference values", "%s", h);
		why(c, "the file %.60s was never read into the policy", c->p->refvals_path);
		return;
	}
	list_rule(c, name, &c->p->measurements, c->rep->measurement, true);
}

static void judge_host_data(struct ctx *c, const char *name)
{
	field_rule(c, name, c->p->has_host_data, c->p->host_data, c->rep->host_data, 32);
}

static void judge_report_data(struct ctx *c, const char *name)
{
	field_rule(c, name, c->p->has_report_data, c->p->report_data, c->rep->report_data, 64);
}

static void judge_family_id(struct ctx *c, const char *name)
{
	field_rule(c, name, c->p->has_family_id, c->p->family_id, c->rep->family_id, 16);
}

static void judge_image_id(struct ctx *c, const char *name)
{
	field_rule(c, name, c->p->has_image_id, c->p->image_id, c->rep->image_id, 16);
}

static void judge_min_guest_svn(struct ctx *c, const char *name)
{
	const struct snpm_report *r = c->rep;
	char w[32];

	if (!c->p->has_min_guest_svn) {
		rule(c, name, SNPM_RULE_SKIP, "", "%u", r->guest_svn);
		why(c, "no minimum set");
		return;
	}
	snprintf(w, sizeof(w), ">= %u", c->p->min_guest_svn);
	rule(c, name, r->guest_svn >= c->p->min_guest_svn ? SNPM_RULE_PASS : SNPM_RULE_FAIL, w,
	     "%u", r->guest_svn);
}

static void judge_vmpl(struct ctx *c, const char *name)
{
	char w[32];

	snprintf(w, sizeof(w), "%u", c->p->vmpl);
	rule(c, name, c->rep->vmpl == c->p->vmpl ? SNPM_RULE_PASS : SNPM_RULE_FAIL, w, "%u",
	     c->rep->vmpl);
}

/* Guest policy bits: DEBUG (19), MIGRATE_MA (18), SMT (16), CXL_ALLOW (21). */
static void judge_debug(struct ctx *c, const char *name)
{
	allow_rule(c, name, 19, c->p->allow_debug);
}

static void judge_migration_agent(struct ctx *c, const char *name)
{
	allow_rule(c, name, 18, c->p->allow_migration);
}

static void judge_smt(struct ctx *c, const char *name)
{
	allow_rule(c, name, 16, c->p->allow_smt);
}

static void judge_cxl(struct ctx *c, const char *name)
{
	allow_rule(c, name, 21, c->p->allow_cxl);
}

static void judge_single_socket(struct ctx *c, const char *name)
{
	bool single = (c->rep->policy >> 20) & 1;

	rule(c, name, !c->p->require_single_socket || single ? SNPM_RULE_PASS : SNPM_RULE_FAIL,
	     c->p->require_single_socket ? "required" : "not required", "guest policy bit 20 %s",
	     single ? "set" : "clear");
}

/* Guest policy bit 24 CIPHERTEXT_HIDING: the firmware launches the guest only where ciphertext
 * hiding is on, so the host cannot read its memory's ciphertext (go-sev-guest's
 * CipherTextHidingDRAM). */
static void judge_ciphertext_hiding(struct ctx *c, const char *name)
{
	bool set = (c->rep->policy >> 24) & 1;

	rule(c, name, !c->p->require_ciphertext_hiding || set ? SNPM_RULE_PASS : SNPM_RULE_FAIL,
	     c->p->require_ciphertext_hiding ? "required" : "not required",
	     "guest policy bit 24 %s", set ? "set" : "clear");
}

static void judge_chip_id(struct ctx *c, const char *name)
{
	list_rule(c, name, &c->p->chip_ids, c->rep->chip_id, false);
}

static void judge_masked_chip_key(struct ctx *c, const char *name)
{
	bool masked = (c->rep->key_info >> 1) & 1;

	rule(c, name, masked && !c->p->allow_masked_chip_key ? SNPM_RULE_FAIL : SNPM_RULE_PASS,
	     c->p->allow_masked_chip_key ? "allowed" : "not allowed", "MASK_CHIP_KEY %s",
	     masked ? "set" : "clear");
}

/* ---- verification, as rules ---- */

static void judge_report_version(struct ctx *c, const char *name)
{
	char w[32] = "", *at = w;

	for (unsigned v = 0; v < 32; v++)
		if (c->p->versions & (1u << v))
			at += snprintf(at, sizeof(w) - (size_t)(at - w), "%s%u", at == w ? "" : ",",
				       v);
	rule(c, name, c->p->versions & (1u << c->rep->version) ? SNPM_RULE_PASS : SNPM_RULE_FAIL, w,
	     "%u", c->rep->version);
}

static void judge_signer(struct ctx *c, const char *name)
{
	enum snpm_signing_key k = snpm_report_signing_key(c->rep);
	bool ok = (k == SNPM_SIGNING_KEY_VCEK && c->p->allow_vcek) ||
		  (k == SNPM_SIGNING_KEY_VLEK && c->p->allow_vlek);

	rule(c, name, ok ? SNPM_RULE_PASS : SNPM_RULE_FAIL,
	     c->p->allow_vcek && c->p->allow_vlek ? "vcek or vlek" :
	     c->p->allow_vcek			  ? "vcek" :
	     c->p->allow_vlek			  ? "vlek" :
						    "none",
	     "%s",
	     k == SNPM_SIGNING_KEY_VCEK ? "vcek" :
	     k == SNPM_SIGNING_KEY_VLEK ? "vlek" :
					  "none");
}

/* After a chain that did not verify, this and every later rule is shown, not judged. */
static void judge_certificate_validity(struct ctx *c, const char *name)
{
	char now[32], found[96];
	struct snpm_error err;
	int r;

	if (!c->verified) {
		c->unverified = true;
		rule(c, name, SNPM_RULE_SKIP, "", "%s", "");
		return;
	}
	r = snpm_check_validity(c->e, c->now, found, sizeof(found), &err);

	snpm_time_text(c->now, now, sizeof(now));
	rule(c, name, r == 0 ? SNPM_RULE_PASS : SNPM_RULE_FAIL, now, "%s",
	     r == 0 ? found : "not valid");
	if (r < 0)
		why(c, "%s", err.message);
}

static void judge_revocation(struct ctx *c, const char *name)
{
	const struct snpm_collateral *coll = c->coll;
	struct snpm_error err;
	char found[96] = "";

	if (c->unverified) {
		rule(c, name, SNPM_RULE_SKIP, "", "%s", "");
		return;
	}
	if (!coll->crl) {
		rule(c, name, c->p->require_crl ? SNPM_RULE_FAIL : SNPM_RULE_SKIP,
		     "a current CRL signed by the ARK, not revoking the ASK", "no CRL given");
		why(c,
		    c->p->require_crl ? "the policy requires a CRL (require_crl)" : "not required");
		return;
	}
	int r = snpm_crl_check(coll->crl, coll->crl_len, c->e->ark, c->e->ask, c->e->vlek, c->now,
			       found, sizeof(found), &err);
	rule(c, name, r == 0 ? SNPM_RULE_PASS : SNPM_RULE_FAIL,
	     "a current CRL signed by the ARK, not revoking the ASK", "%s", found);
	if (r < 0)
		why(c, "%s", err.message);
}

static int endorsement(struct snpm_appraiser *a, const struct snpm_collateral *coll,
		       const struct snpm_trust *trust, const struct snpm_report *rep,
		       struct snpm_endorsement *fresh, const struct snpm_endorsement **ret,
		       struct snpm_error *reterr)
{
	uint8_t key[SNPM_SHA256_SIZE];
	X509 *vcek = NULL;
	int r = a ? cache_key(&coll->certs, trust, rep, key, reterr) : 0;

	for (size_t i = 0; r == 0 && a && i < CACHE_SIZE; i++)
		if (a->cache[i].used && memcmp(a->cache[i].key, key, sizeof(key)) == 0) {
			*ret = &a->cache[i].e;
			return 0;
		}
	if (r == 0)
		r = snpm_load_vcek(&coll->certs, &vcek, reterr);
	if (r == 0)
		r = snpm_endorse(vcek, &coll->certs, trust, rep, fresh, reterr);
	if (r < 0)
		return r;
	if (!a) {
		*ret = fresh;
		return 0;
	}
	struct cached *slot = &a->cache[a->next];
	a->next = (a->next + 1) % CACHE_SIZE;
	snpm_endorsement_free(&slot->e);
	memcpy(slot->key, key, sizeof(key));
	slot->e = *fresh;
	slot->used = true;
	memset(fresh, 0, sizeof(*fresh));
	*ret = &slot->e;
	return 0;
}

/* The VCEK (or VLEK) chained to a trusted ARK; the next two rules need it. */
static void judge_certificate_chain(struct ctx *c, const char *name)
{
	bool vlek = snpm_report_signing_key(c->rep) == SNPM_SIGNING_KEY_VLEK;
	const char *want = vlek ? "VLEK <- ASVK <- an AMD ARK" : "VCEK <- ASK <- an AMD ARK";
	const struct snpm_endorsement *e = NULL;
	struct snpm_error err;

	if (endorsement(c->appraiser, c->coll, c->trust, c->rep, c->fresh, &e, &err) < 0) {
		rule(c, name, SNPM_RULE_FAIL, want, "%s", "does not verify");
		why(c, "%s", err.message);
		return;
	}
	c->chain = e;
	rule(c, name, SNPM_RULE_PASS, want, "%s <- %s <- ARK-%s (%s)", e->vlek ? "VLEK" : "VCEK",
	     e->vlek ? "ASVK" : "ASK", snpm_cpu_family_name(e->family),
	     e->builtin_chain ? "AMD roots built in" : "given");
}

/* A rule verification never reached: shown, not judged. */
static bool not_reached(struct ctx *c, const char *name, bool reached)
{
	if (reached)
		return false;
	rule(c, name, SNPM_RULE_SKIP, "", "%s", "");
	why(c, "not judged: the report did not verify");
	return true;
}

static void judge_signature(struct ctx *c, const char *name)
{
	struct snpm_error err;
	int r;

	if (not_reached(c, name, c->chain != NULL))
		return;
	r = snpm_check_signature(c->raw, c->chain->vcek, &err);
	rule(c, name, r == 0 ? SNPM_RULE_PASS : SNPM_RULE_FAIL,
	     "ECDSA P-384 by the certificate's key", "%s", r == 0 ? "verifies" : "does not verify");
	if (r < 0) {
		why(c, "%s", err.message);
		c->chain = NULL;
	}
}

static void judge_certificate_fields(struct ctx *c, const char *name)
{
	struct snpm_error err;
	int r;

	if (not_reached(c, name, c->chain != NULL))
		return;
	r = snpm_check_endorsed(c->chain, c->rep, &c->out->verify, &err);
	rule(c, name, r == 0 ? SNPM_RULE_PASS : SNPM_RULE_FAIL,
	     "reported TCB and chip ID are the certificate's", "%s",
	     r == 0 ? (c->out->verify.hwid_checked ? "TCB and chip ID match" : "TCB matches") :
		      "differ");
	if (r < 0) {
		why(c, "%s", err.message);
		return;
	}
	c->e = c->chain;
	c->family = c->e->family;
	c->verified = true;
}

/* ---- the table ---- */

#define BOOL_KEY(name, member, deflt)                                   \
	{                                                               \
		name, NULL, offsetof(struct snpm_policy, member), deflt \
	}
#define KEY(name, reader, deflt)       \
	{                              \
		name, reader, 0, deflt \
	}

/*
 * Every rule, in the order an appraisal judges and lists them, with the policy keys that set
 * it (and their values when left out, as snpmeasure-policy(5) says them: tests/test_docs.c
 * holds the page to this table) and the function that judges it. The policy parser reads its
 * keys from here, the appraisal is sized by it (SNPM_MAX_RULES holds it) and checked against
 * it: a rule is one row.
 */
const struct snpm_rule_def snpm_rules[] = {
	{ "report_version",
	  judge_report_version,
	  { KEY("report_versions", snpm_key_report_versions, "[2, 3, 5]") } },
	{ "signer", judge_signer, { KEY("signers", snpm_key_signers, "both") } },
	{ "certificate_chain", judge_certificate_chain, { { 0 } } },
	{ "signature", judge_signature, { { 0 } } },
	{ "certificate_fields", judge_certificate_fields, { { 0 } } },
	{ "certificate_validity", judge_certificate_validity, { { 0 } } },
	{ "revocation", judge_revocation, { BOOL_KEY("require_crl", require_crl, "true") } },
	{ "reserved_fields", judge_reserved_fields, { { 0 } } },
	{ "measurement",
	  judge_measurement,
	  { KEY("measurements", snpm_key_measurements, "nothing is pinned") } },
	{ "host_data", judge_host_data, { KEY("host_data", snpm_key_host_data, "not compared") } },
	{ "report_data",
	  judge_report_data,
	  { KEY("report_data", snpm_key_report_data, "not compared") } },
	{ "family_id", judge_family_id, { KEY("family_id", snpm_key_family_id, "not compared") } },
	{ "image_id", judge_image_id, { KEY("image_id", snpm_key_image_id, "not compared") } },
	{ "min_guest_svn",
	  judge_min_guest_svn,
	  { KEY("min_guest_svn", snpm_key_min_guest_svn, "none") } },
	{ "vmpl", judge_vmpl, { KEY("vmpl", snpm_key_vmpl, "0") } },
	{ "debug", judge_debug, { BOOL_KEY("allow_debug", allow_debug, "false") } },
	{ "migration_agent",
	  judge_migration_agent,
	  { BOOL_KEY("allow_migration", allow_migration, "false") } },
	{ "smt", judge_smt, { BOOL_KEY("allow_smt", allow_smt, "false") } },
	{ "cxl", judge_cxl, { BOOL_KEY("allow_cxl", allow_cxl, "false") } },
	{ "single_socket",
	  judge_single_socket,
	  { BOOL_KEY("require_single_socket", require_single_socket, "true") } },
	{ "ciphertext_hiding",
	  judge_ciphertext_hiding,
	  { BOOL_KEY("require_ciphertext_hiding", require_ciphertext_hiding, "false") } },
	{ "id_block",
	  judge_id_block,
	  { KEY("id_key_digests", snpm_key_id_keys, "none"),
	    KEY("author_key_digests", snpm_key_author_keys, "none"),
	    BOOL_KEY("require_id_block", require_id_block, "true") } },
	{ "chip_id", judge_chip_id, { KEY("chip_ids", snpm_key_chip_ids, "any") } },
	{ "masked_chip_key",
	  judge_masked_chip_key,
	  { BOOL_KEY("allow_masked_chip_key", allow_masked_chip_key, "false") } },
	{ "dstack_mr_system",
	  judge_dstack_mr_system,
	  { KEY("dstack_mr_system", snpm_key_mr_systems, "any") } },
	{ "dstack_mr_aggregated",
	  judge_dstack_mr_aggregated,
	  { KEY("dstack_mr_aggregated", snpm_key_mr_aggregateds, "any") } },
	{ "dstack_device_id",
	  judge_dstack_device_id,
	  { KEY("dstack_device_ids", snpm_key_device_ids, "any") } },
	{ "min_tcb", judge_min_tcb, { KEY("min_tcb", snpm_key_min_tcb, "none") } },
	{ "min_launch_tcb",
	  judge_min_launch_tcb,
	  { KEY("min_launch_tcb", snpm_key_min_launch_tcb, "none") } },
	{ "committed_firmware",
	  judge_committed_firmware,
	  { BOOL_KEY("allow_provisional_firmware", allow_provisional_firmware, "false") } },
	{ "tcb_up_to_date",
	  judge_tcb_up_to_date,
	  { BOOL_KEY("require_up_to_date", require_up_to_date, "true") } },
	{ "min_abi", judge_min_abi, { KEY("min_abi", snpm_key_min_abi, "none") } },
	{ "min_build", judge_min_build, { KEY("min_build", snpm_key_min_build, "none") } },
	{ "platform_smt", judge_platform, { KEY("platform", snpm_key_platform, "any") } },
	{ "platform_tsme", judge_platform, { { 0 } } },
	{ "platform_ecc", judge_platform, { { 0 } } },
	{ "platform_rapl_disabled", judge_platform, { { 0 } } },
	{ "platform_ciphertext_hiding", judge_platform, { { 0 } } },
	{ "platform_alias_check_complete", judge_platform, { { 0 } } },
	{ "platform_tio", judge_platform, { { 0 } } },
	{ "mitigations", judge_mitigations, { KEY("mitigations", snpm_key_mitigations, "none") } },
};
const size_t snpm_n_rules = sizeof(snpm_rules) / sizeof(snpm_rules[0]);
_Static_assert(sizeof(snpm_rules) / sizeof(snpm_rules[0]) <= SNPM_MAX_RULES,
	       "struct snpm_appraisal must hold every rule");

const char *snpm_rule_status_name(enum snpm_rule_status status)
{
	return status == SNPM_RULE_PASS ? "pass" : status == SNPM_RULE_FAIL ? "fail" : "skipped";
}

int snpm_appraise(struct snpm_appraiser *a, const uint8_t report[SNPM_REPORT_SIZE],
		  const struct snpm_policy *policy, const struct snpm_collateral *coll,
		  struct snpm_appraisal *ret, struct snpm_error *reterr)
{
	return snpm_appraise_with_root(a, report, policy, coll, NULL, 0, ret, reterr);
}

int snpm_appraise_with_root(struct snpm_appraiser *a, const uint8_t report[SNPM_REPORT_SIZE],
			    const struct snpm_policy *policy, const struct snpm_collateral *coll,
			    const uint8_t *trust_root, size_t trust_root_len,
			    struct snpm_appraisal *ret, struct snpm_error *reterr)
{
	struct snpm_custom_trust custom = { 0 };
	const struct snpm_trust *trust = NULL;
	struct snpm_collateral c = { .size = sizeof(c) };
	int r = snpm_sized_in(coll, sizeof(c), &c, "snpm_collateral", reterr);

	if (r == 0)
		r = snpm_trust_pick(trust_root, trust_root_len, &custom, &trust, reterr);
	if (r == 0)
		r = snpm_appraise_trusting(a, report, policy, &c, trust, ret, reterr);
	snpm_custom_trust_free(&custom);
	return r;
}

/* Every rule of the table, in its order, judged once: anything else fails closed. */
static int check_complete(const struct ctx *c, struct snpm_error *reterr)
{
	bool whole = !c->dropped && c->out->n == snpm_n_rules;

	for (size_t i = 0; whole && i < snpm_n_rules; i++)
		whole = strcmp(c->out->rules[i].name, snpm_rules[i].name) == 0;
	if (whole)
		return 0;
	c->out->pass = false;
	return snpm_fail(reterr, SNPM_ERANGE,
			 "the appraisal judged %zu rules, not the %zu of its table: no verdict",
			 c->out->n, snpm_n_rules);
}

int snpm_appraise_trusting(struct snpm_appraiser *a, const uint8_t report[SNPM_REPORT_SIZE],
			   const struct snpm_policy *policy, const struct snpm_collateral *coll,
			   const struct snpm_trust *trust, struct snpm_appraisal *ret,
			   struct snpm_error *reterr)
{
	struct snpm_endorsement fresh = { 0 };
	struct snpm_report rep;
	struct ctx c = { .p = policy,
			 .coll = coll,
			 .rep = &rep,
			 .raw = report,
			 .appraiser = a,
			 .trust = trust,
			 .fresh = &fresh };
	int r;

	if (!report || !policy || !coll || !trust || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no report, policy, collateral or result");
	if (!coll->certs.vcek)
		return snpm_fail(reterr, SNPM_EINVAL, "appraisal needs the VCEK (or VLEK)");
	r = snpm_report_parse(report, SNPM_REPORT_SIZE, &rep, reterr);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	ret->pass = true;
	c.out = ret;
	c.now = coll->now ? coll->now : (int64_t)time(NULL);
	c.family = snpm_report_family(&rep);
	/* Each rule of the table in turn: a judge emits exactly its own row. */
	for (size_t i = 0; i < snpm_n_rules; i++)
		snpm_rules[i].judge(&c, snpm_rules[i].name);
	snpm_endorsement_free(&fresh);
	return check_complete(&c, reterr);
}
