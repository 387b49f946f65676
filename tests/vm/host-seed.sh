#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs on the host before a svcport scenario boots (vm-run.sh --setup): the
# portal (org acme: alice org-admin, eddie edge-user, mona maintenance) and a
# portal-managed server's factory state, claimed by acme at the portal, made natively in seconds rather than
# under TCG. The guest copies WORK/seed to its tmpfs (lib.sh vm_sv_portal).
# Usage: host-seed.sh WORK   (SVCPORT_SIM, VM_MT, VM_SN from the environment)
set -euo pipefail
work=${1:?usage: host-seed.sh WORK}
seed=$work/seed
P=(--portal "$seed/portal")
rm -rf "$seed"
mkdir -p "$seed"
{
	"$SVCPORT_SIM" portal "${P[@]}" init
	"$SVCPORT_SIM" portal "${P[@]}" org add acme
	"$SVCPORT_SIM" portal "${P[@]}" user add alice --org acme --role org-admin
	"$SVCPORT_SIM" portal "${P[@]}" user add eddie --org acme --role edge-user
	"$SVCPORT_SIM" portal "${P[@]}" user add mona --org acme --role maintenance
	"$SVCPORT_SIM" portal "${P[@]}" device manufacture --mt "$VM_MT" --sn "$VM_SN" \
		--out "$seed/factory" --control portal
	# The portal records the claim (code from the pull-out tab); the device
	# learns it when a phone submits the signed Claim.
	code=$(sed -n 's/^activation_code=//p' "$seed/factory/identity")
	"$SVCPORT_SIM" portal "${P[@]}" claim --org acme --mt "$VM_MT" --sn "$VM_SN" --code "$code"
} >"$work/seed.log" 2>&1 || {
	tail -n 20 "$work/seed.log"
	echo "host-seed: portal setup failed"
	exit 1
}
