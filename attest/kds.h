/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: the X.509 extensions of AMD's VCEK and VLEK certificates (AMD "Versioned Chip
 * Endorsement Key (VCEK) Certificate and KDS Interface Specification", publication 57230).
 */
#ifndef SNPM_ATTEST_KDS_H
#define SNPM_ATTEST_KDS_H

#define SNPM_OID_PRODUCT_NAME "1.3.6.1.4.1.3704.1.2" /* IA5String: "Milan-B0", "Genoa", ... */
#define SNPM_OID_BL_SPL "1.3.6.1.4.1.3704.1.3.1" /* INTEGER: bootloader SPL */
#define SNPM_OID_TEE_SPL "1.3.6.1.4.1.3704.1.3.2" /* INTEGER: TEE SPL */
#define SNPM_OID_SNP_SPL "1.3.6.1.4.1.3704.1.3.3" /* INTEGER: SNP firmware SPL */
#define SNPM_OID_UCODE_SPL "1.3.6.1.4.1.3704.1.3.8" /* INTEGER: microcode SPL */
#define SNPM_OID_FMC_SPL "1.3.6.1.4.1.3704.1.3.9" /* INTEGER: FMC SPL (Turin) */
#define SNPM_OID_HWID "1.3.6.1.4.1.3704.1.4" /* raw bytes: the chip ID (64, or 8 on Turin) */

#endif /* SNPM_ATTEST_KDS_H */
