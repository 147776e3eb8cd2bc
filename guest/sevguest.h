/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to guest/: the sev-guest driver's ioctl ABI, written out here (from the kernel's
 * uapi linux/sev-guest.h, and the MSG_REPORT_RSP layout of AMD's SEV-SNP ABI specification) so
 * the library builds without kernel headers. tests/test_guest.c holds every size, offset and
 * request number against Debian's linux-libc-dev header.
 */
#ifndef SNPM_GUEST_SEVGUEST_H
#define SNPM_GUEST_SEVGUEST_H

#include <stdint.h>
#include <sys/ioctl.h>

struct sg_report_req {
	uint8_t user_data[64];
	uint32_t vmpl;
	uint8_t rsvd[28];
};

struct sg_report_resp {
	uint8_t data[4000];
};

/* The argument of every request: exitinfo2 is the firmware error (low 32 bits) and the VMM's
 * (high 32 bits). */
struct sg_request {
	uint8_t msg_version;
	uint64_t req_data;
	uint64_t resp_data;
	union {
		uint64_t exitinfo2;
		struct {
			uint32_t fw_error;
			uint32_t vmm_error;
		};
	};
};

struct sg_ext_report_req {
	struct sg_report_req data;
	uint64_t certs_address;
	uint32_t certs_len;
};

#define SG_IOC_TYPE 'S'
#define SG_GET_REPORT _IOWR(SG_IOC_TYPE, 0x0, struct sg_request)
#define SG_GET_EXT_REPORT _IOWR(SG_IOC_TYPE, 0x2, struct sg_request)

#define SG_VMM_ERR_INVALID_LEN 1u /* the certificate buffer is too small; certs_len says how big */
#define SG_VMM_ERR_BUSY 2u

/* MSG_REPORT_RSP (SEV-SNP ABI, table "MSG_REPORT_RSP Message Structure") in data[]. */
#define SG_RSP_STATUS 0x00
#define SG_RSP_REPORT_SIZE 0x04
#define SG_RSP_REPORT 0x20

#endif
