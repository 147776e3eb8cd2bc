# SPDX-License-Identifier: Apache-2.0
"""sev-snp-measure's library entry points over libsnpmeasure: the same module names, functions,
arguments and results as the reference's sevsnpmeasure package (0.0.13), so a caller switches by
changing one import line:

    from sevsnpmeasure import guest                  # before
    from snpmeasure.sevsnpmeasure import guest       # after

It never shadows the real package: it is reached under snpmeasure only."""
