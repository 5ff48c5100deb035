#!/usr/bin/env bash
# Regenerates the lab captures under captures/lab/<scenario>/ from scratch, with the real Linux
# kernel SIP ALG (nf_conntrack_sip + nf_nat_sip) in a network-namespace lab (see lab.sh).
#   make-captures.sh                 all scenarios
#   make-captures.sh NAME...         only these (the summary table in README.md covers every folder)
#   make-captures.sh --list          scenario names
# Needs root, sipp, tcpdump, dumpcap, tshark, capinfos, editcap, nft, iproute2, xxd.
# The lab and the SIP traffic are driven through lab.sh (namespaces, captures, sipp runs).
# Every scenario starts from a fresh lab (empty conntrack table), checks with tshark that the
# packets show what its README claims, and fails loudly otherwise. Namespaces are removed on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SCEN=$HERE/scenarios
# Own namespace names, so that an interactive lab (default "alglab") can run at the same time.
export ALGLAB_NS=${ALGLAB_NS:-alglab-mk}
export ALGLAB_STATE_DIR=/tmp/$ALGLAB_NS-state

SCENARIOS=(udp-call-alg udp-call-noalg tcp-call-alg inbound-after-expiry-noalg
           inbound-binding-alive-noalg udp-call-alg-inbound ack-dropped-alg two-phones-alg)

PHONE=192.168.10.2
PHONE2=192.168.10.3
PROVIDER=203.0.113.10
# SIP messages carried by the frame itself: tshark also decodes the SIP quoted inside ICMP errors.
SIP='sip and not icmp'
PRIVATE_IN_SIGNALLING="sip.Via contains \"$PHONE\" or sip.Contact contains \"$PHONE\" or sip.From contains \"$PHONE\" or sip.To contains \"$PHONE\" or sip.r-uri contains \"$PHONE\" or sdp.owner contains \"$PHONE\" or sdp.connection_info contains \"$PHONE\""

lab() { "$HERE/lab.sh" "$@"; }
fail() { echo "make-captures: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*"; }

WORK=$(mktemp -d /tmp/alglab-make.XXXXXX)
cleanup() {
  local rc=$?
  lab capture-stop >/dev/null 2>&1 || true
  lab down >/dev/null 2>&1 || true
  if ((rc != 0)); then
    echo "make-captures: failed (rc $rc); sipp logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# sipp logs (and the RTP sample sipp plays) go to $WORK; kept there if a scenario fails.
export ALGLAB_LOG_DIR=$WORK

# Where the registrar saw the REGISTER come from, and the Contact it stored, read from the
# outside capture while it is being written (tcpdump -U): "ip:port contact-uri".
registered_binding() {
  local dir=$1 line
  for _ in $(seq 1 20); do
    line=$(tshark -r "$dir/outside.pcap" -Y 'sip.Method == "REGISTER"' -T fields -E separator=' ' \
             -e ip.src -e udp.srcport -e sip.contact.uri 2>/dev/null | head -n 1 || true)
    [[ -n $line ]] && break
    sleep 0.1
  done
  [[ -n $line ]] || fail "no REGISTER in $dir/outside.pcap"
  set -- $line
  echo "$1:$2 $3"
}

# The start of the inbound scenarios: a fresh lab with short UDP timeouts (5 s, 10 s once a reply was
# seen), captures running, the phone registered over UDP. Sets REGISTERED (date +%s.%N when the
# REGISTER was done) and BINDING and CONTACT (see registered_binding).
register_behind_nat() { # ALG: on|off
  lab up --alg "$1" --udp-timeout 5 --udp-stream-timeout 10 >/dev/null
  lab capture-start "$DIR"
  lab register udp
  REGISTERED=$(date +%s.%N)
  local reg
  reg=$(registered_binding "$DIR")
  read -r BINDING CONTACT <<<"$reg"
}

sleep_since() { # EPOCH SECONDS: sleep until SECONDS after EPOCH (date +%s.%N)
  sleep "$(awk -v t="$1" -v d="$2" -v now="$(date +%s.%N)" 'BEGIN {x = t + d - now; print (x > 0 ? x : 0)}')"
}

# The provider calls the phone's registered binding; the phone answers with 3 s of RTP.
inbound_call() {
  local binding=$1 contact=$2 rc=0
  lab sipp-bg phone-callee phone -sf "$SCEN/phone-callee.xml" -i $PHONE -p 5060 -mi $PHONE -mp 16000
  lab listening phone udp
  lab sipp provider-caller provider "$binding" -sf "$SCEN/provider-caller.xml" -i $PROVIDER -p 5060 \
    -mi $PROVIDER -mp 6000 -rtp_echo -key ruri "$contact" -max_invite_retrans 5 || rc=$?
  ((rc == 0)) || fail "sipp provider-caller exited $rc (logs in $WORK)"
  lab sipp-wait phone-callee
}

# ---------------------------------------------------------------------------------------------
# Checks, all with tshark on the finished files.

count() { tshark -r "$1" -Y "$2" 2>/dev/null | wc -l; }
expect_count() { # FILE FILTER OP N   (OP: eq, ge, le)
  local got
  got=$(count "$1" "$2")
  test "$got" "-$3" "$4" || fail "$(basename "$(dirname "$1")")/$(basename "$1"): '$2' matched $got frames, expected -$3 $4"
}
expect_diff() { # DIR "changed inside-only outside-only" (changed may be '+' for > 0)
  local name got c a b want_c want_a want_b
  name=$(basename "$1")
  got=$("$HERE/sip-diff.sh" --count "$1/inside.pcap" "$1/outside.pcap")
  read -r c a b <<<"$got"
  read -r want_c want_a want_b <<<"$2"
  if [[ $want_c == + ]]; then ((c > 0)) || fail "$name: expected rewritten SIP lines, got none"
  else [[ $c == "$want_c" ]] || fail "$name: $c SIP lines differ inside/outside, expected $want_c"; fi
  [[ $a == "$want_a" && $b == "$want_b" ]] || fail "$name: unpaired SIP messages inside/outside $a/$b, expected $want_a/$want_b"
}

# ---------------------------------------------------------------------------------------------
# Scenario README: narrative + what tshark shows, regenerated with the captures.

tshark_lines() { tshark -r "$1" -Y "$2" 2>/dev/null | sed 's/ | $//; s/ *$//'; }

write_readme() { # DIR TITLE NARRATIVE
  local dir=$1 f
  {
    echo "# $2"
    echo
    echo "$3"
    echo
    echo "Made by \`../make-captures.sh $(basename "$dir")\` on Linux $(uname -r), $(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -n 1 | sed 's/\.$//'), $(tcpdump --version 2>&1 | head -n 1), $(tshark -v 2>/dev/null | head -n 1 | awk '{print $1, $2, $3}')."
    echo
    echo "## Files"
    echo
    echo "| file | bytes | packets | capture point |"
    echo "|---|---|---|---|"
    for f in inside.pcap outside.pcap router.pcapng; do
      [[ -f $dir/$f ]] || continue
      local where
      case $f in
        inside.pcap) where="router lan0 (inside, phone side), tcpdump" ;;
        outside.pcap) where="router wan0 (outside, provider side), tcpdump" ;;
        router.pcapng) where="dumpcap on lan0 and wan0 at once: one IDB per interface (if_name lan0, wan0)" ;;
      esac
      echo "| $f | $(stat -c %s "$dir/$f") | $(capinfos -c -M "$dir/$f" | awk '/Number of packets/ {print $NF}') | $where |"
    done
    echo
    echo "## SIP messages, inside (\`tshark -r inside.pcap -Y '$SIP'\`)"
    echo
    echo '```'
    tshark_lines "$dir/inside.pcap" "$SIP"
    echo '```'
    echo
    echo "## SIP messages, outside (\`tshark -r outside.pcap -Y '$SIP'\`)"
    echo
    echo '```'
    tshark_lines "$dir/outside.pcap" "$SIP"
    echo '```'
    if [[ $(count "$dir/outside.pcap" icmp) -gt 0 || $(count "$dir/inside.pcap" icmp) -gt 0 ]]; then
      echo
      echo "## ICMP (\`-Y icmp\`)"
      echo
      echo '```'
      echo "inside:"; tshark_lines "$dir/inside.pcap" icmp
      echo "outside:"; tshark_lines "$dir/outside.pcap" icmp
      echo '```'
    fi
    echo
    echo "## What differs between inside and outside (\`../sip-diff.sh inside.pcap outside.pcap\`)"
    echo
    "$HERE/sip-diff.sh" "$dir/inside.pcap" "$dir/outside.pcap"
    if [[ $(count "$dir/inside.pcap" 'udp.port == 16000') -gt 0 ]]; then
      echo
      echo "## RTP (\`tshark -o rtp.heuristic_rtp:TRUE -q -z rtp,streams\`)"
      echo
      echo '```'
      echo "inside:"
      tshark -r "$dir/inside.pcap" -o rtp.heuristic_rtp:TRUE -q -z rtp,streams 2>/dev/null | grep -E '^ +([0-9]|Start time)'
      echo "outside:"
      tshark -r "$dir/outside.pcap" -o rtp.heuristic_rtp:TRUE -q -z rtp,streams 2>/dev/null | grep -E '^ +([0-9]|Start time)'
      echo '```'
    fi
    if [[ -s $WORK/conntrack.md ]]; then
      echo
      echo "## Router conntrack state (\`/proc/net/nf_conntrack\`, \`/proc/net/nf_conntrack_expect\` in the router namespace)"
      echo
      cat "$WORK/conntrack.md"
    fi
    if [[ -f $dir/router.pcapng ]]; then
      echo
      echo "## router.pcapng"
      echo
      echo '```'
      tshark -r "$dir/router.pcapng" -T fields -e frame.interface_id -e frame.interface_name 2>/dev/null | sort | uniq -c |
        awk '{print "interface " $2 " (" $3 "): " $1 " frames"}'
      tshark -r "$dir/router.pcapng" -T fields -e frame.time_epoch 2>/dev/null |
        awk 'NR > 1 && $1 < prev {n++} {prev = $1} END {print (n + 0) " frames have an earlier timestamp than the frame before them (dumpcap writes each interface'"'"'s packets in batches)"}'
      echo '```'
    fi
  } >"$dir/README.md"
}

# The router's conntrack table and expectations now, for the README (third column: seconds left).
snapshot() { # WHEN
  {
    echo "$1:"
    echo
    echo '```'
    lab exec router cat /proc/net/nf_conntrack | sed 's/ mark=0 zone=0 use=[0-9]*//'
    echo "--- expectations"
    lab exec router cat /proc/net/nf_conntrack_expect
    echo '```'
    echo
  } >>"$WORK/conntrack.md"
}

begin_scenario() { # NAME; sets DIR and starts the clock
  DIR=$HERE/$1
  mkdir -p "$DIR"
  rm -f "$DIR"/*.pcap "$DIR"/*.pcapng "$DIR/README.md" "$WORK/conntrack.md"
  lab down >/dev/null
  T0=$(date +%s.%N)
  log "$1"
}

end_scenario() {
  lab capture-stop
  lab down >/dev/null
  local f
  for f in "$DIR"/*.pcap "$DIR"/*.pcapng; do
    capinfos -c -M "$f" >/dev/null || fail "$f is not a complete capture"
    (($(stat -c %s "$f") < 300000)) || fail "$f is over 300 KB"
  done
}

finish_scenario() { # NAME TITLE NARRATIVE
  write_readme "$DIR" "$2" "$3"
  local f
  for f in "$DIR"/*.pcap "$DIR"/*.pcapng; do
    printf '    %-60s %7d bytes %5d packets\n' "${f#"$HERE"/}" "$(stat -c %s "$f")" "$(capinfos -c -M "$f" | awk '/Number of packets/ {print $NF}')"
  done
  log "$1 done in $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
}

# ---------------------------------------------------------------------------------------------
# Scenarios

scenario_udp-call-alg() {
  begin_scenario udp-call-alg
  lab up --alg on >/dev/null
  lab capture-start "$DIR"
  lab register udp
  lab call udp
  snapshot "After the call"
  end_scenario
  expect_count "$DIR/inside.pcap" "$SIP and ($PRIVATE_IN_SIGNALLING)" ge 9
  expect_count "$DIR/outside.pcap" "$SIP and ($PRIVATE_IN_SIGNALLING)" eq 0
  expect_count "$DIR/outside.pcap" "$SIP and sip.Call-ID contains \"$PHONE\"" eq 9
  expect_count "$DIR/outside.pcap" 'udp.port == 16000' ge 190
  expect_diff "$DIR" "+ 0 0"
  finish_scenario udp-call-alg "udp-call-alg: outbound UDP call through the Linux kernel SIP ALG" "$(cat <<'EOF'
ALG ON (`lab.sh up --alg on`: nftables masquerade on wan0 plus the kernel `sip` conntrack helper
attached to UDP and TCP port 5060). Kernel UDP timeouts left at 30 s / 120 s.

What happened: the phone (192.168.10.2:5060) REGISTERs (Expires 3600) with the provider
(203.0.113.10:5060), which answers 200 OK. The phone then calls bob: INVITE with SDP (o= and c=
carry 192.168.10.2, m=audio 16000) -> 100 -> 180 -> 200 OK with SDP (provider media
203.0.113.10:6000) -> ACK -> 3 s of G.711 RTP from the phone, echoed back by the provider ->
BYE -> 200 OK.

What the kernel ALG did (table below, from tshark): in every phone-to-provider request it replaced
192.168.10.2:5060 with the router's public 203.0.113.1:5060 in the top Via, the Contact and the
From (which carries the phone's address:port); in the INVITE it rewrote SDP o= and c= and
recomputed Content-Length (217 -> 215, keeping sipp's space padding). Responses were rewritten in
reverse on the way in: the phone sees its own private Via and From again, and the REGISTER 200's
Contact comes back with the private address. The m= port (16000) and the masqueraded ports (5060,
16000) were kept. Call-ID (`<n>-<pid>@192.168.10.2`) is not touched: the private address
survives in it on the outside. To (the provider's address) and the request URIs (the provider's)
need no rewriting. The registration leaves a `sip/signalling` expectation in the router's conntrack
table for the registration's lifetime.

What the analyzer must conclude: `alg-detected`, from two-sided evidence: `via-rewritten`,
`contact-rewritten`, `from-to-rewritten`, `sdp-origin-rewritten`, `sdp-connection-rewritten`
(INVITE) and the reverse rewriting in the responses; one-sided on the outside alone,
`private-address-leak` (Call-ID keeps 192.168.10.2 while Via, Contact and SDP are public). No
`content-length-mismatch` (the kernel fixes Content-Length), no `message-dropped`, no
`one-way-media`.
EOF
)"
}

scenario_udp-call-noalg() {
  begin_scenario udp-call-noalg
  lab up --alg off >/dev/null
  lab capture-start "$DIR"
  lab register udp
  lab call udp
  snapshot "After the call"
  end_scenario
  expect_count "$DIR/outside.pcap" "$SIP and sip.Contact contains \"$PHONE\"" ge 4
  expect_count "$DIR/outside.pcap" "$SIP and sdp.connection_info contains \"$PHONE\"" eq 1
  expect_count "$DIR/outside.pcap" 'udp.port == 16000' ge 190
  expect_diff "$DIR" "0 0 0"
  finish_scenario udp-call-noalg "udp-call-noalg: the same UDP call with plain masquerade, no ALG" "$(cat <<'EOF'
ALG OFF (`lab.sh up --alg off`: nftables masquerade on wan0 only). Kernel UDP timeouts 30 s / 120 s.

What happened: the same message flow as `udp-call-alg`: REGISTER -> 200, INVITE with SDP ->
100 -> 180 -> 200 -> ACK -> 3 s of RTP each way (the provider echoes the phone's RTP back to
where it came from, i.e. it latches onto 203.0.113.1:16000) -> BYE -> 200.

What the router did: only the IP and UDP headers changed (source 192.168.10.2 -> 203.0.113.1 on
the way out, ports kept: 5060 and 16000). Not one byte of SIP or SDP differs between inside and
outside (table below). On the outside the REGISTER Contact, the INVITE's Via, Contact, From and
SDP o=/c= all still say 192.168.10.2 while the packets come from 203.0.113.1.

What the analyzer must conclude: `nat-without-alg`; one-sided on the outside,
`private-contact-behind-nat` (Contact, Via and SDP private, packet source public: the provider must
do NAT traversal, e.g. rport/received and media latching). No rewriting rule may fire.
EOF
)"
}

scenario_tcp-call-alg() {
  begin_scenario tcp-call-alg
  lab up --alg on >/dev/null
  lab capture-start "$DIR"
  lab register tcp
  lab call tcp
  snapshot "After the call"
  end_scenario
  expect_count "$DIR/inside.pcap" "$SIP and tcp and ($PRIVATE_IN_SIGNALLING)" ge 9
  expect_count "$DIR/outside.pcap" "$SIP and ($PRIVATE_IN_SIGNALLING)" eq 0
  expect_count "$DIR/outside.pcap" 'udp.port == 16000' ge 190
  expect_diff "$DIR" "+ 0 0"
  finish_scenario tcp-call-alg "tcp-call-alg: the call over TCP through the kernel SIP ALG" "$(cat <<'EOF'
ALG ON (`lab.sh up --alg on`, the `sip-tcp` helper on TCP port 5060). Signalling over TCP
(sipp `-t t1`); RTP over UDP as before.

What happened: the phone opens a TCP connection from 192.168.10.2:5060 (sipp binds its client
socket to its SIP port) to 203.0.113.10:5060 and REGISTERs; a second connection, from the same
port, carries the call: INVITE with SDP -> 100 -> 180 -> 200 -> ACK -> 3 s of RTP each way ->
BYE -> 200. Each connection ends with FIN/ACK when its sipp instance exits; as the second one
reuses the same address:port pairs, tshark marks its SYN "TCP Port numbers reused".

What the kernel ALG did: the same rewriting as over UDP (top Via, Contact, From, SDP o= and c=,
Content-Length recomputed in the INVITE; the reverse in responses). Because every rewrite
shortens the payload (192.168.10.2 -> 203.0.113.1 is one character shorter), the kernel also
shifts TCP sequence and acknowledgement numbers for the rest of each connection (nf_ct_seqadj):
the outside and inside copies of the same segment have different lengths, and the provider's
ACK numbers on the outside differ from what the phone sees inside.

What the analyzer must conclude: `alg-detected` (two-sided: `via-rewritten`, `contact-rewritten`,
`from-to-rewritten`, `sdp-origin-rewritten`, `sdp-connection-rewritten`), plus
`private-address-leak` on the outside (Call-ID). TCP reassembly must cope with the rewritten
lengths; nothing is dropped.
EOF
)"
}

scenario_inbound-after-expiry-noalg() {
  begin_scenario inbound-after-expiry-noalg
  register_behind_nat off
  lab sipp-bg phone-callee phone -sf "$SCEN/phone-callee.xml" -i $PHONE -p 5060 -mi $PHONE -mp 16000
  lab listening phone udp
  # Idle for longer than the 5 s UDP timeout: the masquerade binding for 5060 is gone.
  sleep_since "$REGISTERED" 8
  snapshot "8 s after the REGISTER's 200 OK, just before the provider's INVITE"
  local rc=0
  lab sipp provider-caller provider "$BINDING" -sf "$SCEN/provider-caller.xml" -i $PROVIDER -p 5060 \
    -mi $PROVIDER -mp 6000 -rtp_echo -key ruri "$CONTACT" -max_invite_retrans 5 || rc=$?
  ((rc == 1)) || fail "sipp provider-caller exited $rc, expected 1: the call fails at Timer B (logs in $WORK)"
  lab sipp-stop phone-callee
  end_scenario
  expect_count "$DIR/inside.pcap" "$SIP" eq 2
  expect_count "$DIR/outside.pcap" "$SIP and sip.Method == \"INVITE\"" eq 6
  expect_count "$DIR/outside.pcap" 'icmp.type == 3 and icmp.code == 3' ge 1
  expect_count "$DIR/outside.pcap" "$SIP" eq 8
  expect_diff "$DIR" "0 0 6"
  finish_scenario inbound-after-expiry-noalg "inbound-after-expiry-noalg: inbound INVITE after the NAT binding expired" "$(cat <<'EOF'
ALG OFF, short UDP timeouts on the router (`lab.sh up --alg off --udp-timeout 5
--udp-stream-timeout 10`: 5 s for a UDP flow that has seen a reply within its first 2 s, 10 s
after that).

What happened: the phone REGISTERs from 192.168.10.2:5060 with Expires 3600; the provider sees it
come from 203.0.113.1:5060 and answers 200 OK (Expires 3600). The registration is valid for an
hour, but the router's masquerade binding for 5060 only lives 5 s, and nothing refreshes it (no
keepalives, no re-REGISTER). The phone keeps listening on 5060. After 8 s of silence the
provider calls the registered binding: INVITE to sip:alice@192.168.10.2:5060 (the Contact it
stored), sent to 203.0.113.1:5060 (where the REGISTER came from), from 203.0.113.10:5060. The
binding is gone, so the router treats the INVITE as addressed to itself: nothing listens on its
5060 and it answers ICMP port unreachable (type 3 code 3), which the provider ignores. The
provider retransmits the INVITE at 0.5, 1.5, 3.5, 7.5 and 15.5 s (6 copies, each drawing an ICMP
error) and gives up at Timer B, 31.5 s after the first copy, without sending anything more
(sipp sends 6 copies; an RFC 3261 stack would send a 7th at 31.5 s, just before Timer B fires at
32 s). The captures ran on until after Timer B, so the absence of a 7th copy is real, but a pcap
cannot show that: its last packet is the 6th INVITE's ICMP error. Nothing reaches the inside: the
inside capture holds only the REGISTER and its 200.

What the kernel did: no SIP rewriting (ALG off); the conntrack entry for the registration simply
expired.

What the analyzer must conclude: `pinhole-expired` (inbound INVITE to a registered binding, no
response, ICMP port unreachable from the NAT's public address, after about 8 s idle while the
registration had 3592 s left: the NAT's UDP timeout is at most ~8 s), `transaction-timeout`
(INVITE retransmitted to Timer B), `message-dropped` two-sided (6 INVITEs outside, none inside),
`private-contact-behind-nat` (REGISTER Contact private, source public), verdict `nat-without-alg`
with the pinhole problem. Fix: keepalives or re-REGISTER below the NAT timeout, or a longer UDP
timeout on the router.
EOF
)"
}

scenario_inbound-binding-alive-noalg() {
  begin_scenario inbound-binding-alive-noalg
  register_behind_nat off
  # Well inside the 5 s UDP timeout: the binding still exists.
  sleep_since "$REGISTERED" 2
  snapshot "2 s after the REGISTER's 200 OK, just before the provider's INVITE"
  inbound_call "$BINDING" "$CONTACT"
  end_scenario
  expect_count "$DIR/inside.pcap" "$SIP and sip.Method == \"INVITE\"" eq 1
  expect_count "$DIR/inside.pcap" "$SIP and sip.Status-Code == 200" eq 3
  expect_count "$DIR/outside.pcap" 'udp.port == 16000' ge 190
  expect_diff "$DIR" "0 0 0"
  finish_scenario inbound-binding-alive-noalg "inbound-binding-alive-noalg: inbound call while the NAT binding is alive" "$(cat <<'EOF'
ALG OFF, the same short UDP timeouts as `inbound-after-expiry-noalg` (5 s / 10 s).

What happened: REGISTER (Expires 3600) -> 200 as before. After only 2 s of silence (less than the
5 s timeout) the provider calls the registered binding: INVITE to sip:alice@192.168.10.2:5060,
sent to 203.0.113.1:5060. The masquerade binding still exists, so the router forwards it to the
phone, which answers: 100 -> 180 -> 200 OK with SDP (c= 192.168.10.2, m=audio 16000) -> ACK ->
3 s of RTP from the phone, echoed back by the provider -> BYE from the provider -> 200. Each
packet refreshes the binding, so the call outlives the short timeout.

What the router did: masquerade only; not one byte of SIP/SDP differs between inside and outside.
The Request-URI arrives at the phone with the private address it registered.

What the analyzer must conclude: `nat-without-alg`, `private-contact-behind-nat` (REGISTER
Contact, the phone's 200 OK Contact and SDP are private while the packets come from 203.0.113.1);
no `pinhole-expired` (the INVITE was answered after 2 s idle). Compared with
`inbound-after-expiry-noalg`, this brackets the NAT's UDP timeout between 2 s and 8 s.
EOF
)"
}

scenario_udp-call-alg-inbound() {
  begin_scenario udp-call-alg-inbound
  register_behind_nat on
  # Longer than the 5 s UDP timeout; the helper keeps the SIP conntrack for sip_timeout (3600 s).
  sleep_since "$REGISTERED" 8
  snapshot "8 s after the REGISTER's 200 OK, just before the provider's INVITE"
  inbound_call "$BINDING" "$CONTACT"
  end_scenario
  expect_count "$DIR/outside.pcap" "$SIP and sip.Method == \"INVITE\" and sip.r-uri.host == \"203.0.113.1\"" eq 1
  expect_count "$DIR/inside.pcap" "$SIP and sip.Method == \"INVITE\" and sip.r-uri.host == \"$PHONE\"" eq 1
  expect_count "$DIR/outside.pcap" "$SIP and ($PRIVATE_IN_SIGNALLING)" eq 0
  expect_count "$DIR/outside.pcap" 'udp.port == 16000' ge 190
  expect_diff "$DIR" "+ 0 0"
  finish_scenario udp-call-alg-inbound "udp-call-alg-inbound: the provider calls the registered phone through the kernel SIP ALG" "$(cat <<'EOF'
ALG ON, with the same short UDP timeouts as the no-ALG inbound scenarios (5 s / 10 s).

What happened: REGISTER (Expires 3600) -> 200. The ALG rewrote the REGISTER's Contact, so the
provider stores sip:alice@203.0.113.1:5060. After 8 s of silence (longer than the 5 s UDP timeout
that killed the binding in `inbound-after-expiry-noalg`) the provider calls that Contact, sent to
203.0.113.1:5060. It gets through: the SIP helper refreshes the signalling conntrack with its own
timeout (`sip_timeout`, 3600 s) instead of the UDP one, and the REGISTER 200 also installed a
`sip/signalling` expectation for the registration's lifetime. The phone answers: 100 -> 180 ->
200 OK with SDP -> ACK -> 3 s of RTP from the phone, echoed by the provider -> BYE from the
provider -> 200.

What the kernel ALG did: on the way in, the INVITE's Request-URI (and the ACK's and BYE's, which
target the Contact the phone's 200 advertised) went from 203.0.113.1:5060 to 192.168.10.2:5060. On
the way out, the phone's responses had Contact and SDP o=/c= rewritten to 203.0.113.1 (Content-Length
recomputed in the 200 OK). The provider's own Via/From/To carry no address of the phone and are
untouched.

What the analyzer must conclude: `alg-detected`: `request-uri-rewritten` (INVITE, ACK and BYE
from the provider), `contact-rewritten` (REGISTER, its 200, the phone's 180 and 200),
`via-rewritten` (REGISTER and its 200), `sdp-origin-rewritten` and `sdp-connection-rewritten`
(the phone's 200 OK). `private-address-leak` on the outside for the REGISTER only (its Call-ID
keeps 192.168.10.2); the call's Call-ID is the provider's own. No `pinhole-expired`: the INVITE
was answered after 8 s idle, which is longer than the router's UDP timeout: with the helper, the
NAT timeout is not what limits inbound calls.
EOF
)"
}

scenario_ack-dropped-alg() {
  begin_scenario ack-dropped-alg
  lab up --alg on >/dev/null
  lab drop-ack on
  lab capture-start "$DIR"
  lab sipp-bg provider-callee-timer-h provider -sf "$SCEN/provider-callee-timer-h.xml" -i $PROVIDER -p 5060 \
    -mi $PROVIDER -mp 6000 -max_non_invite_retrans 9
  lab listening provider udp
  local rc=0
  lab sipp phone-call-no-media phone $PROVIDER:5060 -sf "$SCEN/phone-call-no-media.xml" -i $PHONE -p 5060 -mi $PHONE -mp 16000 || rc=$?
  ((rc == 0)) || fail "sipp phone-call-no-media exited $rc (logs in $WORK)"
  lab sipp-wait provider-callee-timer-h
  snapshot "After the BYE"
  { echo "nft rule that dropped the ACKs:"; echo; echo '```'
    lab exec router nft list chain inet alglab drop_ack | grep counter | sed 's/^[[:space:]]*//'
    echo '```'; } >>"$WORK/conntrack.md"
  end_scenario
  expect_count "$DIR/inside.pcap" "$SIP and sip.Method == \"ACK\"" eq 10
  expect_count "$DIR/outside.pcap" "$SIP and sip.Method == \"ACK\"" eq 0
  expect_count "$DIR/outside.pcap" "$SIP and sip.Status-Code == 200 and sip.CSeq.method == \"INVITE\"" eq 10
  expect_count "$DIR/outside.pcap" "$SIP and sip.Method == \"BYE\"" eq 1
  expect_count "$DIR/inside.pcap" "$SIP and sip.Method == \"BYE\"" eq 1
  expect_diff "$DIR" "+ 10 0"
  finish_scenario ack-dropped-alg "ack-dropped-alg: the ACK never reaches the provider; 200 OK retransmitted to Timer H" "$(cat <<'EOF'
ALG ON, plus an nftables rule on the router that drops every SIP ACK forwarded from lan0 to wan0
(`lab.sh drop-ack on`: UDP payload starting with "ACK "), standing in for an ALG that drops a
message it cannot handle. Signalling only, no RTP.

What happened: the phone calls: INVITE with SDP -> 100 -> 180 -> 200 OK -> ACK. The ACK is seen
on lan0 and never leaves on wan0. The provider, still without an ACK, retransmits the 200 OK at
0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5 and 27.5 s (T1 doubling, capped at T2 = 4 s: 10 copies
in all; an RFC 3261 UAS would send an 11th at 31.5 s); the phone answers every copy with another
ACK (10 ACKs inside, none outside). At 31.5 s (Timer H, 64*T1 = 32 s, as sipp schedules it) the
provider gives up on the ACK and hangs up: BYE (Reason: SIP;cause=408) to the phone's Contact ->
200 OK.

What the kernel ALG did: the usual outbound rewriting of the INVITE (Via, Contact, From, SDP o=/c=,
Content-Length) and of the responses in reverse; the provider's BYE Request-URI (the phone's public
Contact 203.0.113.1:5060) is rewritten to 192.168.10.2:5060 on the way in, and its To (the phone's
From) too.

What the analyzer must conclude: `ack-timeout` (2xx to INVITE retransmitted until Timer H, then
BYE), `message-dropped` (10 ACKs inside, 0 outside), and `alg-detected` from the rewriting
(`via-rewritten`, `contact-rewritten`, `from-to-rewritten`, `sdp-origin-rewritten`,
`sdp-connection-rewritten`, `request-uri-rewritten` on the BYE).
EOF
)"
}

scenario_two-phones-alg() {
  begin_scenario two-phones-alg
  lab up --alg on >/dev/null
  lab capture-start "$DIR"
  lab sipp-bg provider-callee provider -sf "$SCEN/provider-callee.xml" -i $PROVIDER -p 5060 -mi $PROVIDER -mp 6000 -rtp_echo -m 2
  lab listening provider udp
  lab sipp-bg phone-a-call phone $PROVIDER:5060 -sf "$SCEN/phone-call.xml" -i $PHONE -p 5060 -mi $PHONE -mp 16000
  # Phone B calls 1 s later, while phone A's call (and its media expectation) is up.
  sleep 1
  local rc=0
  lab sipp phone-b-call phone $PROVIDER:5060 -sf "$SCEN/phone-call.xml" -i $PHONE2 -p 5060 -mi $PHONE2 -mp 16000 || rc=$?
  ((rc == 0)) || fail "sipp phone-b-call exited $rc (logs in $WORK)"
  lab sipp-wait phone-a-call
  lab sipp-wait provider-callee
  snapshot "After both calls"
  end_scenario
  expect_count "$DIR/inside.pcap" "$SIP and ip.src == $PHONE2 and sip.Method == \"INVITE\"" eq 4
  expect_count "$DIR/outside.pcap" "$SIP and sip.Method == \"INVITE\"" eq 2
  expect_count "$DIR/outside.pcap" "$SIP and sip.Method == \"INVITE\" and not sip.Via contains \"203.0.113.1:5060\"" eq 1
  expect_count "$DIR/outside.pcap" 'udp.dstport == 6000 and udp.srcport != 16000' ge 90
  expect_diff "$DIR" "+ 3 0"
  finish_scenario two-phones-alg "two-phones-alg: two phones behind one NAT on the same ports; the ALG drops an INVITE" "$(cat <<'EOF'
ALG ON (`lab.sh up --alg on`), kernel UDP timeouts 30 s / 120 s. Two phones behind the router,
both using SIP port 5060 and RTP port 16000: phone A 192.168.10.2, phone B 192.168.10.3 (a second
address in the phone namespace).

What happened: phone A calls bob (INVITE -> 100 -> 180 -> 200 -> ACK -> 3 s of RTP each way ->
BYE -> 200) exactly as in `udp-call-alg`. One second later, during A's call, phone B calls bob
the same way. B's SIP flow 192.168.10.3:5060 -> 203.0.113.10:5060 cannot be masqueraded to
203.0.113.1:5060 (A's flow holds that mapping), so the router picks another public source port
at random.

What the kernel ALG did:
- It DROPPED phone B's INVITE while A's call was up: the first three copies (0, 0.5 and 1.5 s
  after B started) are on lan0 and not on wan0. B's SDP asks for media on port 16000; the ALG
  tries to expect RTP from the provider on 203.0.113.1:16000, finds the identical expectation of
  A's call, and nf_nat_sdp_media treats that error as fatal ("all ports in use for SDP media")
  instead of trying 16002, so the packet is dropped. A's BYE flushes A's expectations; B's fourth
  copy (3.5 s) goes through, with m=audio 16000 unchanged.
- In B's messages it rewrote 192.168.10.3:5060 to 203.0.113.1:<masqueraded port> in the top Via,
  Contact and From: the port changes, not only the address. A's messages get 203.0.113.1:5060.
- B's RTP leaves from a masqueraded source port other than 16000 (A's RTP flow still holds
  203.0.113.1:16000 -> 203.0.113.10:6000), while B's SDP on the outside says 203.0.113.1 port
  16000. The provider echoes RTP to wherever it came from, so media flows both ways anyway.

What the analyzer must conclude: `alg-detected`; `message-dropped` (B's INVITE, three copies
inside only); `via-rewritten`, `contact-rewritten` and `from-to-rewritten` with a port change for
B; `media-address-mismatch` on the outside (B's RTP comes from 203.0.113.1:<not 16000> while its
SDP says 203.0.113.1:16000); `private-address-leak` (Call-IDs). B's INVITE is answered in the end,
so no `transaction-timeout`.
EOF
)"
}

# ---------------------------------------------------------------------------------------------
# Summary table in README.md (every scenario folder present, not only the ones just made)

summary_table() {
  echo "| scenario | ALG | files (bytes) | SIP msgs in/out | frames in/out | fields that differ inside/outside (sip-diff.sh) |"
  echo "|---|---|---|---|---|---|"
  local name dir alg files fields
  for name in "${SCENARIOS[@]}"; do
    dir=$HERE/$name
    [[ -f $dir/inside.pcap ]] || continue
    case $name in *noalg*) alg=off ;; *) alg=on ;; esac
    files=$(for f in "$dir"/inside.pcap "$dir"/outside.pcap "$dir"/router.pcapng; do
              [[ -f $f ]] && printf '%s (%s) ' "$(basename "$f")" "$(stat -c %s "$f")"; done)
    # changed lines per field, in order of first appearance, then unpaired messages
    fields=$("$HERE/sip-diff.sh" "$dir/inside.pcap" "$dir/outside.pcap" |
             awk -F' [|] ' 'NR > 2 && /^[|] / {if (!($2 in n)) order[++k] = $2; n[$2] += $5}
                            /^SIP messages seen/ {x = $0; sub(/^SIP messages seen /, "", x); sub(/: frame .*/, "", x); extra = extra "; messages " x}
                            END {for (i = 1; i <= k; i++) out = out (i > 1 ? ", " : "") order[i] " " n[order[i]]
                                 print (out ? out : "none") extra}')
    echo "| [$name]($name/README.md) | $alg | ${files% } | $(count "$dir/inside.pcap" "$SIP")/$(count "$dir/outside.pcap" "$SIP") | $(capinfos -c -M "$dir/inside.pcap" | awk '/Number of packets/ {print $NF}')/$(capinfos -c -M "$dir/outside.pcap" | awk '/Number of packets/ {print $NF}') | $fields |"
  done
}

update_readme_table() {
  local readme=$HERE/README.md table
  [[ -f $readme ]] || return 0
  table=$(mktemp)
  summary_table >"$table"
  awk -v table="$table" '
    /<!-- BEGIN generated summary -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
    /<!-- END generated summary -->/ { skip = 0 }
    !skip' "$readme" >"$readme.tmp"
  mv "$readme.tmp" "$readme"
  rm -f "$table"
}

# ---------------------------------------------------------------------------------------------

[[ $(id -u) == 0 ]] || fail "needs root (network namespaces)"
for tool in sipp tcpdump dumpcap tshark capinfos editcap nft ip ss xxd; do
  command -v $tool >/dev/null || fail "missing $tool"
done
if [[ ${1:-} == --list ]]; then printf '%s\n' "${SCENARIOS[@]}"; exit 0; fi
selected=("$@")
((${#selected[@]})) || selected=("${SCENARIOS[@]}")
for name in "${selected[@]}"; do
  declare -F "scenario_$name" >/dev/null || fail "unknown scenario $name (see --list)"
done

START=$(date +%s)
for name in "${selected[@]}"; do
  "scenario_$name"
done
update_readme_table
log "made ${#selected[@]} scenario(s) in $(($(date +%s) - START)) s"
