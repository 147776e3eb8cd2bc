/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Asking the hardware, from inside an SEV-SNP guest, for an attestation report: through the
 * kernel's configfs-tsm interface (Linux 6.7 and later), or its /dev/sev-guest device (the
 * SNP_GET_REPORT and SNP_GET_EXT_REPORT ioctls). Nothing here verifies: a report fetched is
 * only as good as what report verification and appraisal then say of it.
 */
#ifndef SNPM_GUEST_H
#define SNPM_GUEST_H

#include <snpm/common.h>
#include <snpm/report.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SNPM_TSM_REPORT_ROOT "/sys/kernel/config/tsm/report"
#define SNPM_SEV_GUEST_DEVICE "/dev/sev-guest"

enum snpm_guest_interface {
	SNPM_GUEST_AUTO = 0, /* configfs-tsm when the kernel has it, else the device */
	SNPM_GUEST_TSM,
	SNPM_GUEST_DEVICE,
};

/* How the interfaces are chosen on a command line: "auto", "tsm", "device". */
SNPM_EXPORT const struct snpm_name *snpm_guest_interface_names(void);

struct snpm_report_request {
	uint32_t size; /* sizeof(struct snpm_report_request): SNPM_INIT() sets it */
	uint8_t report_data[SNPM_REPORT_DATA_SIZE]; /* REPORT_DATA, as given */
	bool has_vmpl; /* otherwise the kernel's default (configfs-tsm), or VMPL 0 (device) */
	uint32_t vmpl; /* 0..3 */
	bool certs; /* also the certificate table the host provides */
	enum snpm_guest_interface interface;
	const char *tsm_root; /* NULL: SNPM_TSM_REPORT_ROOT */
	const char *device; /* NULL: SNPM_SEV_GUEST_DEVICE */
};

struct snpm_report_reply {
	uint8_t report[SNPM_REPORT_SIZE];
	uint8_t *certs; /* the certificate table (malloc'd), or NULL when none was asked or given */
	size_t certs_len;
	enum snpm_guest_interface interface; /* the one that answered */
	char provider[32]; /* configfs-tsm's provider ("sev_guest"); "" for the device */
};

/*
 * Requests a report. With configfs-tsm: makes a report entry, writes privlevel (when a VMPL is
 * given) and inblob, reads outblob (and auxblob), and checks that the entry's generation moved
 * only by this request's own writes (another writer would make the report answer other inputs);
 * the entry is removed on every path, and also by snpm_remove_temporaries() if a signal comes
 * first. With the device: SNP_GET_REPORT, or SNP_GET_EXT_REPORT growing the certificate buffer
 * to what the kernel asks for; firmware and VMM error codes are named. The report must carry
 * the REPORT_DATA (and VMPL) asked for. Returns 0, SNPM_EUNSUPPORTED (neither interface is
 * there: not an SEV-SNP guest), SNPM_EIO (an interface failed: permission, busy, firmware),
 * SNPM_EMALFORMED (a reply of the wrong shape) or SNPM_ENOMEM. Free with
 * snpm_report_reply_free().
 */
SNPM_EXPORT int snpm_report_request(const struct snpm_report_request *request,
				    struct snpm_report_reply *ret, struct snpm_error *reterr);
SNPM_EXPORT void snpm_report_reply_free(struct snpm_report_reply *reply);

/* "configfs-tsm", "/dev/sev-guest" or "auto". */
SNPM_EXPORT const char *snpm_guest_interface_name(enum snpm_guest_interface interface);

#ifdef __cplusplus
}
#endif

#endif /* SNPM_GUEST_H */
