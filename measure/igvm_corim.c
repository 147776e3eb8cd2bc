/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The launch-measurement CoRIM an IGVM file carries about itself (microsoft/igvm 0.5:
 * CORIM_DOCUMENT 0x104 holds a tagged-unsigned-corim-map, CORIM_SIGNATURE 0x105 a COSE_Sign1
 * over it with a detached payload). The profile (tag:microsoft.com,2026:launch-measurement/v1)
 * is read by core/corim.c, the signature by core/cose.c: anything else is refused, as a
 * reference value read wrongly is worse than none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snpm/igvm.h>

#include "../core/core.h"
#include "../core/corim.h"
#include "../core/cose.h"

/* ---- where the file keeps them ---- */

/* Headers i of type CORIM_DOCUMENT and CORIM_SIGNATURE for the platform's mask. */
static void find(const struct snpm_igvm *f, uint32_t mask, struct snpm_igvm_header *doc,
		 struct snpm_igvm_header *sig, bool *has_doc, bool *has_sig)
{
	*has_doc = *has_sig = false;
	for (size_t i = 0; mask && i < snpm_igvm_count(f); i++) {
		struct snpm_igvm_header h;
		snpm_igvm_header(f, i, &h);
		if (h.compatibility_mask != mask)
			continue;
		if (h.type == SNPM_IGVM_CORIM_DOCUMENT)
			*doc = h, *has_doc = true;
		if (h.type == SNPM_IGVM_CORIM_SIGNATURE)
			*sig = h, *has_sig = true;
	}
}

static int read_blob(const struct snpm_source *src, const struct snpm_igvm_header *h, uint8_t **ret,
		     struct snpm_error *reterr)
{
	int r;

	*ret = malloc(h->size ? h->size : 1);
	if (!*ret)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	r = snpm_source_read(src, h->file_offset, *ret, h->size, reterr);
	if (r < 0) {
		free(*ret);
		*ret = NULL;
	}
	return r;
}

int snpm_igvm_corim(const struct snpm_igvm *f, const struct snpm_source *src,
		    struct snpm_igvm_corim *ret, struct snpm_error *reterr)
{
	struct snpm_igvm_header doc, sig;
	uint8_t *data = NULL;
	bool has_doc, has_sig;
	int r;

	if (!f || !src || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no file, source or result");
	memset(ret, 0, sizeof(*ret));
	find(f, snpm_igvm_platform_mask(f, SNPM_IGVM_SEV_SNP), &doc, &sig, &has_doc, &has_sig);
	if (!has_doc)
		return 0;
	ret->present = true;
	ret->document_offset = doc.file_offset, ret->document_size = doc.size;
	ret->signed_ = has_sig;
	ret->signature_offset = has_sig ? sig.file_offset : 0;
	ret->signature_size = has_sig ? sig.size : 0;
	r = read_blob(src, &doc, &data, reterr);
	if (r < 0)
		return r;
	r = snpm_corim_launch_read(data, doc.size, ret->digest, &ret->svn, reterr);
	free(data);
	if (r < 0 && reterr) { /* the header named first, as every IGVM refusal names it */
		char why[SNPM_ERROR_MESSAGE_SIZE];
		snprintf(why, sizeof(why), "%s", reterr->message);
		return snpm_fail_at(reterr, r, doc.offset,
				    "IGVM header %u (CORIM_DOCUMENT) at offset 0x%llx: %s",
				    doc.index, (unsigned long long)doc.offset, why);
	}
	return r;
}

int snpm_igvm_corim_verify(const struct snpm_igvm *f, const struct snpm_source *src,
			   const char *key_pem, size_t key_len, struct snpm_error *reterr)
{
	struct snpm_igvm_header doc, sig;
	struct snpm_cose cose = { 0 };
	uint8_t *d = NULL, *s = NULL;
	EVP_PKEY *key = NULL;
	bool has_doc, has_sig;
	int r;

	if (!f || !src || !key_pem)
		return snpm_fail(reterr, SNPM_EINVAL, "no file, source or key");
	find(f, snpm_igvm_platform_mask(f, SNPM_IGVM_SEV_SNP), &doc, &sig, &has_doc, &has_sig);
	if (!has_doc || !has_sig)
		return snpm_fail(reterr, SNPM_EVERIFY,
				 "the IGVM file carries no signed CoRIM for "
				 "SEV-SNP");
	r = snpm_cose_public_key(key_pem, key_len, &key, reterr);
	if (r == 0)
		r = read_blob(src, &doc, &d, reterr);
	if (r == 0)
		r = read_blob(src, &sig, &s, reterr);
	if (r == 0)
		r = snpm_cose_read(s, sig.size, &cose, reterr);
	if (r == 0 && cose.payload)
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "CoRIM: the signature is not a COSE_Sign1 with a detached payload");
	if (r == 0)
		r = snpm_cose_verify(&cose, d, doc.size, key, reterr);
	snpm_cose_free(&cose);
	EVP_PKEY_free(key);
	free(d), free(s);
	return r;
}
