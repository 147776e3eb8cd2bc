# bash completion for snpmeasure and snpimage                          -*- shell-script -*-
# SPDX-License-Identifier: Apache-2.0
# Verbs, options, and the values of enumerated options. tests/test_docs.c checks that every
# option of every verb's table (tools/verbs.c), every value of its name table, every CPU model
# and every named guest feature is here.

_snpm_cpu_types="EPYC EPYC-v1 EPYC-v2 EPYC-IBPB EPYC-v3 EPYC-v4 EPYC-Rome EPYC-Rome-v1
EPYC-Rome-v2 EPYC-Rome-v3 EPYC-Milan EPYC-Milan-v1 EPYC-Milan-v2 EPYC-Genoa EPYC-Genoa-v1
EPYC-Turin"
_snpm_features="SNPActive vTOM ReflectVC RestrictedInjection AlternateInjection DebugSwap
PreventHostIBS BTBIsolation VmplSSS SecureTSC VmgexitParameter IbsVirtualization VmsaRegProt
SmtProtection SecureAVIC IBPBOnEntry"

_snpm_measure_opts="--mode --ovmf --ovmf-metadata --snp-ovmf-hash --kernel --kernel-hash
--initrd --initrd-hash --append --vcpus --vcpu-type --vcpu-sig --vcpu-family --vcpu-model
--vcpu-stepping --vmm-type --vmm-version --guest-features --svsm --vars-size --vars-file
--vmsa-gpa --vmsa-fpu --igvm --igvm-loader --native-zero --ignore-id-block --corim-key --krunfw
--qboot
--kernel-gpa --ram-mib --spec --dump-vmsa --output-format --verbose --quiet --json --help
--version"

# Values of the option before the word being completed; returns 1 when it takes a file.
_snpm_values()
{
	local prev=$1 cur=$2
	case $prev in
	--mode) COMPREPLY=($(compgen -W "sev seves snp snp:ovmf-hash snp:svsm" -- "$cur")) ;;
	--vcpu-type) COMPREPLY=($(compgen -W "$_snpm_cpu_types all" -- "$cur")) ;;
	--vmm-type) COMPREPLY=($(compgen -W "QEMU ec2 gce krun" -- "$cur")) ;;
	--guest-features)
		local pre=${cur%,*}
		[[ $cur == *,* ]] && pre="$pre," || pre=""
		COMPREPLY=($(compgen -P "$pre" -W "$_snpm_features" -- "${cur##*,}")) ;;
	--igvm-loader) COMPREPLY=($(compgen -W "qemu igvmmeasure igvm-crate cloud-hypervisor openvmm-kvm cloud-hypervisor-mshv" -- "$cur")) ;;
	--output-format) COMPREPLY=($(compgen -W "hex base64" -- "$cur")) ;;
	--vmsa-fpu) COMPREPLY=($(compgen -W "default legacy-kvm" -- "$cur")) ;;
	--vmsa-gpa) COMPREPLY=($(compgen -W "default 52bit" -- "$cur")) ;;
	--interface) COMPREPLY=($(compgen -W "auto tsm device" -- "$cur")) ;;
	--product) COMPREPLY=($(compgen -W "Milan Genoa Turin Venice" -- "$cur")) ;;
	--hash) COMPREPLY=($(compgen -W "sha256 sha1 sha512" -- "$cur")) ;;
	--fs) COMPREPLY=($(compgen -W "squashfs erofs" -- "$cur")) ;;
	--layout) COMPREPLY=($(compgen -W "snpimage dstack" -- "$cur")) ;;
	--compress) COMPREPLY=($(compgen -W "gzip none" -- "$cur")) ;;
	--format) COMPREPLY=($(compgen -W "0 1" -- "$cur")) ;;
	--depth) COMPREPLY=($(compgen -W "1 2 3" -- "$cur")) ;;
	--vcpus | --vcpu-sig | --vcpu-family | --vcpu-model | --vcpu-stepping | --vmm-version | \
		--vars-size | --kernel-gpa | --ram-mib | --measurement | --host-data | \
		--report-data | --policy | --guest-policy | --family-id | --image-id | --guest-svn | --vmpl | \
		--snp-ovmf-hash | --kernel-hash | --initrd-hash | --append | --now | --cmdline | \
		--seed | --salt | --uuid | --data-blocks | --hash-offset | --data-block-size | \
		--hash-block-size | --threads | --source-date-epoch | --data-device | --hash-device | \
		--svn | --min-tcb)
		COMPREPLY=() ;;
	-*) return 1 ;;
	*) return 2 ;;
	esac
	return 0
}

# The verb and sub-verb among the words before the cursor (the first two not options).
_snpm_verb_sub()
{
	local i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*) if [[ -z $verb ]]; then verb=${words[i]}; elif [[ -z $sub ]]; then sub=${words[i]}; fi ;;
		esac
	done
}

_snpmeasure()
{
	local cur prev words cword
	_init_completion || return
	local verb="" sub=""
	_snpm_verb_sub
	# report appraise's --policy is a file; id-block's is a number.
	if [[ $prev == --policy && $verb == report && $sub == appraise ]]; then
		_filedir
		return
	fi
	if [[ $prev == --format && $verb == refvals ]]; then
		COMPREPLY=($(compgen -W "corim-snp corim-launch rvps" -- "$cur"))
		return
	fi
	_snpm_values "$prev" "$cur"
	case $? in
	0) return ;;
	1) _filedir; return ;;
	esac
	local opts
	case $verb in
	"" | measure) opts="$_snpm_measure_opts" ;;
	explain) opts="$_snpm_measure_opts --diff" ;;
	diagnose) opts="$_snpm_measure_opts --report --measurement --manifest --depth --host-data
		--id-key-digest --author-key-digest --guest-policy --report-data --vmpl" ;;
	sweep | match) opts="$_snpm_measure_opts --csv --measurement" ;;
	ovmf) opts="--json --ovmf-metadata --help" ;;
	igvm) opts="--json --all-loaders --vcpus --vcpu-type --corim-key --help" ;;
	id-block) opts="--measurement --id-key --idkey --author-key --authorkey --family-id
		--image-id --guest-svn --policy --json --help" ;;
	key-digest) opts="--output-format --json --help" ;;
	refvals)
		if [[ $sub == show ]]; then
			opts="--key --json --help"
		else
			[[ -z $sub && $cur != -* ]] && { COMPREPLY=($(compgen -W "show" -- "$cur")); return; }
			opts="$_snpm_measure_opts --csv --measurement --manifest --format --sign --output -o
				--svn --min-tcb --host-data --id-key-digest --author-key-digest"
		fi ;;
	dstack)
		[[ -z $sub ]] && { COMPREPLY=($(compgen -W "host-data image" -- "$cur")); return; }
		opts="--json --help" ;;
	report)
		case $sub in
		"") COMPREPLY=($(compgen -W "show verify check appraise kds get" -- "$cur")); return ;;
		show) opts="--json --help" ;;
		verify) opts="--vcek --vlek --ask --asvk --ark --chain --trust-root --now --json
			--help" ;;
		check) opts="$_snpm_measure_opts --measurement --manifest --vcek --vlek --ask --asvk
			--ark --chain --trust-root --now --host-data --id-key-digest --author-key-digest
			--guest-policy --report-data --vmpl" ;;
		appraise) opts="--policy --vcek --vlek --ask --asvk --ark --chain --trust-root --certs
			--crl --now --json --help" ;;
		kds) opts="--product --json --help" ;;
		get) opts="--report-data --report-data-file --vmpl --output -o --certs --interface
			--tsm-root --device --json --help" ;;
		esac ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ -z $verb ]]; then
		COMPREPLY=($(compgen -W "measure explain sweep match diagnose ovmf igvm report
			id-block key-digest dstack refvals" -- "$cur"))
	else
		_filedir
	fi
}
complete -F _snpmeasure snpmeasure

_snpimage()
{
	local cur prev words cword
	_init_completion || return
	local verb="" sub=""
	_snpm_verb_sub
	_snpm_values "$prev" "$cur"
	case $? in
	0) return ;;
	1) _filedir; return ;;
	esac
	local opts=""
	case $verb in
	verity)
		[[ -z $sub ]] && { COMPREPLY=($(compgen -W "format verify dump" -- "$cur")); return; }
		if [[ $sub == dump ]]; then
			opts="--hash-offset --json --help"
		else
			opts="--hash --data-block-size --hash-block-size --data-blocks --hash-offset
				--no-superblock --format --salt --uuid --root-hash-file --seed --threads
				--data-device --hash-device --json --quiet --help"
		fi ;;
	kernel-info | verify) opts="--json --help" ;;
	initramfs) opts="--list --output -o --compress --source-date-epoch --json --quiet --help" ;;
	rootfs) opts="--output -o --fs --verity --seed --source-date-epoch --json --quiet --help" ;;
	bundle) opts="--kernel --initramfs --rootfs --ovmf --cmdline --output -o --vcpus --vcpu-type
		--vcpu-sig --guest-features --vmm-type --fs --layout --rootfs-unmeasured --seed
		--source-date-epoch --json
		--quiet --help" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ -z $verb ]]; then
		COMPREPLY=($(compgen -W "verity kernel-info initramfs rootfs bundle verify" -- "$cur"))
	else
		_filedir
	fi
}
complete -F _snpimage snpimage
