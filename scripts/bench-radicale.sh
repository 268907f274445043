#!/usr/bin/env bash
# Side by side: the Humans CardDAV server and Radicale on this machine,
# with the same generated cards and the same client (scripts/davbench).
#
#   scripts/bench-radicale.sh          # 10,000 cards
#   N=1000 scripts/bench-radicale.sh
#
# Installs radicale with apt-get when missing. Prints a Markdown table.
set -euo pipefail
N="${N:-10000}"
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

if ! command -v radicale >/dev/null; then
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get install -y --no-install-recommends radicale </dev/null
fi

tmp="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -tags migrated_fynedo -o "$tmp/humans" .
go build -o "$tmp/davbench" ./scripts/davbench

wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "nothing listens on port $1" >&2
	return 1
}

# Radicale: any user name and password; the address book made by MKCOL.
cat >"$tmp/radicale.conf" <<CONF
[server]
hosts = 127.0.0.1:15232
[auth]
type = none
[storage]
filesystem_folder = $tmp/radicale
[logging]
level = warning
CONF
radicale --config "$tmp/radicale.conf" >"$tmp/radicale.log" 2>&1 &
pids+=($!)
wait_port 15232
curl -sf -u bench:x -X MKCOL http://127.0.0.1:15232/bench/contacts/ \
	-H 'Content-Type: application/xml' \
	--data '<mkcol xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><set><prop><resourcetype><collection/><C:addressbook/></resourcetype></prop></set></mkcol>' >/dev/null

# Humans, headless.
"$tmp/humans" --data "$tmp/humans-data" serve --listen 127.0.0.1:18765 >"$tmp/humans.log" 2>&1 &
pids+=($!)
wait_port 18765
pass="$("$tmp/humans" --data "$tmp/humans-data" carddav credentials 2>/dev/null | sed -n 's/^Password: *//p')"

radicale_version="$(radicale --version 2>/dev/null || echo '?')"
echo "| server | cards | PUT/s (4 clients) | full sync | GET p50 | incremental sync (10 changes) | query FN |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
"$tmp/davbench" -label "Humans" -url http://127.0.0.1:18765/addressbooks/contacts/ -user humans -pass "$pass" -n "$N"
"$tmp/davbench" -label "Radicale $radicale_version" -url http://127.0.0.1:15232/bench/contacts/ -user bench -pass x -n "$N"
