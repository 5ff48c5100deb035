#!/usr/bin/env bash
# SIP ALG NAT lab: three network namespaces, the Linux kernel SIP ALG (nf_conntrack_sip + nf_nat_sip)
# on the router, captures on both router interfaces. Needs root, iproute2, nft, tcpdump, dumpcap.
#
#   phone ns  ${ALGLAB_NS}-phone     eth0 192.168.10.2/24, default route via 192.168.10.1
#                                    (+ 192.168.10.3/24 on eth0: a second phone behind the same NAT)
#   router ns ${ALGLAB_NS}-router    lan0 192.168.10.1/24  (inside, phone side)
#                                    wan0 203.0.113.1/24   (outside, provider side; masquerade here)
#   provider  ${ALGLAB_NS}-provider  eth0 203.0.113.10/24, no default route (nothing leaves the lab)
#
# ALGLAB_NS defaults to "alglab"; set it (it must start with "alglab") to run several labs at once,
# e.g. ALGLAB_NS=alglab-it1. Every link is created inside the namespaces, none in the host's.
#
# Subcommands:
#   up [--alg on|off] [--udp-timeout N] [--udp-stream-timeout N]
#                       build the lab (fails if it exists); defaults: ALG off, kernel timeouts (30/120 s)
#   down                kill what runs in the lab namespaces and delete them (idempotent)
#   alg on|off          attach/detach the kernel SIP helper on a running lab (new conntracks only)
#   drop-ack on|off     drop SIP ACK requests forwarded from lan0 to wan0 (UDP) at the router
#   capture-start DIR [--no-pcapng]
#                       tcpdump lan0 -> DIR/inside.pcap, tcpdump wan0 -> DIR/outside.pcap,
#                       dumpcap lan0+wan0 -> DIR/router.pcapng (one IDB per interface)
#   capture-stop        stop the captures cleanly (SIGINT, wait for files to be closed)
#   exec phone|router|provider CMD...   run CMD in that namespace
#   status              addresses, nft ruleset, netfilter timeouts, conntrack table of the router
#
# SIP traffic (sipp, scenarios in ./scenarios; logs in $ALGLAB_LOG_DIR, default <state dir>/sipp):
#   register [udp|tcp]  the phone REGISTERs (Expires 3600) with the provider, which answers 200
#   call [udp|tcp]      the phone calls the provider: INVITE/SDP, 100, 180, 200, ACK, 3 s of RTP each
#                       way (the provider echoes the phone's RTP), BYE, 200
#   sipp NAME phone|provider SIPP-ARGS...      run sipp there, in the foreground; exit status = sipp's
#   sipp-bg NAME phone|provider SIPP-ARGS...   the same in the background (pid in NAME.pid)
#   sipp-wait NAME [RC] wait for a background sipp; fail unless it exits with RC (default 0)
#   sipp-stop NAME      SIGINT a background sipp and wait for it
#   listening phone|provider udp|tcp           wait until something listens on port 5060 there
# sipp runs with the log directory as working directory; it holds g711a-3s.pcap, the first 3 s
# (100 packets) of the G.711 sample shipped with sipp, which the scenarios play as RTP.
#
# Live analysis on the router, e.g.:  ./lab.sh exec router algscope live -i lan0 -i wan0
set -euo pipefail

ALGLAB_NS=${ALGLAB_NS:-alglab}
case $ALGLAB_NS in alglab*) ;; *) echo "lab.sh: ALGLAB_NS must start with 'alglab'" >&2; exit 2 ;; esac

NS_PHONE=$ALGLAB_NS-phone
NS_ROUTER=$ALGLAB_NS-router
NS_PROVIDER=$ALGLAB_NS-provider
PHONE_IF=eth0
ROUTER_LAN_IF=lan0
ROUTER_WAN_IF=wan0
PROVIDER_IF=eth0
PHONE_IP=192.168.10.2
PHONE2_IP=192.168.10.3
ROUTER_LAN_IP=192.168.10.1
ROUTER_WAN_IP=203.0.113.1
PROVIDER_IP=203.0.113.10
CAPTURE_FILTER='udp or tcp or icmp'
STATE_DIR=${ALGLAB_STATE_DIR:-/tmp/$ALGLAB_NS-state}
UP_DONE=0
LOG_DIR=${ALGLAB_LOG_DIR:-$STATE_DIR/sipp}
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
SCEN_DIR=$(dirname "$SELF")/scenarios
SIPP_AUDIO=${SIPP_AUDIO:-/usr/share/sip-tester/g711a.pcap}

die() { echo "lab.sh: $*" >&2; exit 1; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
ns_exists() { ip netns list | awk '{print $1}' | grep -qx -- "$1"; }

# Everything the router does, as one nft table so that a switch is one atomic replace.
router_ruleset() {
  local alg=$1 drop_ack=$2
  echo "table inet alglab {"
  if [[ $alg == on ]]; then
    cat <<'EOF'
  ct helper sip-udp {
    type "sip" protocol udp;
    l3proto inet;
  }
  ct helper sip-tcp {
    type "sip" protocol tcp;
    l3proto inet;
  }
  chain helpers {
    type filter hook prerouting priority filter;
    udp dport 5060 ct helper set "sip-udp"
    tcp dport 5060 ct helper set "sip-tcp"
  }
EOF
  fi
  if [[ $drop_ack == on ]]; then
    # "ACK " at the start of the UDP payload (transport header + 8 bytes).
    cat <<EOF
  chain drop_ack {
    type filter hook forward priority filter;
    iifname "$ROUTER_LAN_IF" oifname "$ROUTER_WAN_IF" udp dport 5060 @th,64,32 0x41434b20 counter drop
  }
EOF
  fi
  cat <<EOF
  chain masq {
    type nat hook postrouting priority srcnat;
    oifname "$ROUTER_WAN_IF" masquerade
  }
}
EOF
}

apply_ruleset() {
  local alg=$1 drop_ack=$2
  mkdir -p "$STATE_DIR"
  echo "$alg" >"$STATE_DIR/alg"
  echo "$drop_ack" >"$STATE_DIR/drop-ack"
  local tmp
  tmp=$(mktemp)
  { in_ns "$NS_ROUTER" nft list table inet alglab >/dev/null 2>&1 && echo "delete table inet alglab"
    router_ruleset "$alg" "$drop_ack"; } >"$tmp"
  in_ns "$NS_ROUTER" nft -f "$tmp" || { rm -f "$tmp"; die "nft rejected the ruleset"; }
  rm -f "$tmp"
}

cmd_up() {
  local alg=off udp_timeout='' udp_stream_timeout=''
  while (($#)); do
    case $1 in
      --alg) alg=${2:?}; shift 2 ;;
      --udp-timeout) udp_timeout=${2:?}; shift 2 ;;
      --udp-stream-timeout) udp_stream_timeout=${2:?}; shift 2 ;;
      *) die "up: unknown option $1" ;;
    esac
  done
  [[ $alg == on || $alg == off ]] || die "up: --alg on|off"
  for ns in "$NS_PHONE" "$NS_ROUTER" "$NS_PROVIDER"; do
    ns_exists "$ns" && die "namespace $ns exists; run '$0 down' first"
  done
  # A half-built lab is removed again if any step below fails.
  trap '[[ $UP_DONE == 1 ]] || { echo "lab.sh: up failed, removing the lab" >&2; cmd_down; }' EXIT
  for ns in "$NS_PHONE" "$NS_ROUTER" "$NS_PROVIDER"; do
    ip netns add "$ns"
    in_ns "$ns" ip link set lo up
    # No IPv6: keeps router solicitations and DAD out of the captures.
    in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  ip -n "$NS_ROUTER" link add "$ROUTER_LAN_IF" type veth peer name "$PHONE_IF" netns "$NS_PHONE"
  ip -n "$NS_ROUTER" link add "$ROUTER_WAN_IF" type veth peer name "$PROVIDER_IF" netns "$NS_PROVIDER"
  ip -n "$NS_PHONE" addr add "$PHONE_IP/24" dev "$PHONE_IF"
  ip -n "$NS_PHONE" addr add "$PHONE2_IP/24" dev "$PHONE_IF"
  ip -n "$NS_PHONE" link set "$PHONE_IF" up
  ip -n "$NS_PHONE" route add default via "$ROUTER_LAN_IP"
  ip -n "$NS_ROUTER" addr add "$ROUTER_LAN_IP/24" dev "$ROUTER_LAN_IF"
  ip -n "$NS_ROUTER" addr add "$ROUTER_WAN_IP/24" dev "$ROUTER_WAN_IF"
  ip -n "$NS_ROUTER" link set "$ROUTER_LAN_IF" up
  ip -n "$NS_ROUTER" link set "$ROUTER_WAN_IF" up
  ip -n "$NS_PROVIDER" addr add "$PROVIDER_IP/24" dev "$PROVIDER_IF"
  ip -n "$NS_PROVIDER" link set "$PROVIDER_IF" up
  in_ns "$NS_ROUTER" sysctl -qw net.ipv4.ip_forward=1
  for _ in $(seq 1 50); do
    in_ns "$NS_ROUTER" ip -br link show up | grep -q "^$ROUTER_LAN_IF@.* UP " &&
      in_ns "$NS_ROUTER" ip -br link show up | grep -q "^$ROUTER_WAN_IF@.* UP " && break
    sleep 0.1
  done
  apply_ruleset "$alg" off
  # The netfilter sysctls exist per namespace once conntrack is in use there (the nat chain does that).
  [[ -n $udp_timeout ]] && in_ns "$NS_ROUTER" sysctl -qw "net.netfilter.nf_conntrack_udp_timeout=$udp_timeout"
  [[ -n $udp_stream_timeout ]] && in_ns "$NS_ROUTER" sysctl -qw "net.netfilter.nf_conntrack_udp_timeout_stream=$udp_stream_timeout"
  UP_DONE=1
  echo "lab up: $NS_PHONE($PHONE_IP) -- $ROUTER_LAN_IF [$NS_ROUTER] $ROUTER_WAN_IF -- $NS_PROVIDER($PROVIDER_IP);" \
       "ALG $alg; udp timeout $(in_ns "$NS_ROUTER" sysctl -n net.netfilter.nf_conntrack_udp_timeout)s," \
       "stream $(in_ns "$NS_ROUTER" sysctl -n net.netfilter.nf_conntrack_udp_timeout_stream)s"
}

# Kill only processes that run inside our own namespaces, by pid.
kill_ns_processes() {
  local ns=$1 pids
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  [[ -z $pids ]] && return 0
  kill -INT $pids 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [[ -z $pids ]] && return 0
    sleep 0.2
  done
  kill -KILL $pids 2>/dev/null || true
}

cmd_down() {
  for ns in "$NS_PHONE" "$NS_PROVIDER" "$NS_ROUTER"; do
    if ns_exists "$ns"; then
      kill_ns_processes "$ns"
      ip netns del "$ns"
    fi
  done
  rm -rf "$STATE_DIR"
}

cmd_alg() {
  local alg=${1:?alg on|off}
  [[ $alg == on || $alg == off ]] || die "alg on|off"
  apply_ruleset "$alg" "$(cat "$STATE_DIR/drop-ack" 2>/dev/null || echo off)"
}

cmd_drop_ack() {
  local drop=${1:?drop-ack on|off}
  [[ $drop == on || $drop == off ]] || die "drop-ack on|off"
  apply_ruleset "$(cat "$STATE_DIR/alg" 2>/dev/null || echo off)" "$drop"
}

wait_for_text() { # FILE TEXT: the capture tool says it is listening
  for _ in $(seq 1 50); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$1" >&2
  return 1
}

cmd_capture_start() {
  local dir=${1:?capture-start DIR} pcapng=on
  shift
  [[ ${1:-} == --no-pcapng ]] && pcapng=off
  ns_exists "$NS_ROUTER" || die "lab is not up"
  [[ -s $STATE_DIR/capture.pids ]] && die "captures already running ($STATE_DIR/capture.pids)"
  mkdir -p "$dir" "$STATE_DIR"
  dir=$(cd "$dir" && pwd)
  rm -f "$dir/inside.pcap" "$dir/outside.pcap" "$dir/router.pcapng"
  : >"$STATE_DIR/capture.pids"
  echo "$dir" >"$STATE_DIR/capture.dir"
  local name iface
  for pair in "inside $ROUTER_LAN_IF" "outside $ROUTER_WAN_IF"; do
    set -- $pair
    name=$1 iface=$2
    ip netns exec "$NS_ROUTER" tcpdump -U --immediate-mode -Z root -n -i "$iface" -w "$dir/$name.pcap" "$CAPTURE_FILTER" \
      >"$STATE_DIR/tcpdump-$name.log" 2>&1 &
    echo $! >>"$STATE_DIR/capture.pids"
    wait_for_text "$STATE_DIR/tcpdump-$name.log" "listening on" || die "tcpdump on $iface did not start"
  done
  if [[ $pcapng == on ]]; then
    # -f before the first -i: the filter applies to every interface (after an -i, only to that one).
    ip netns exec "$NS_ROUTER" dumpcap -q -f "$CAPTURE_FILTER" -i "$ROUTER_LAN_IF" -i "$ROUTER_WAN_IF" \
      -w "$dir/router.pcapng" >"$STATE_DIR/dumpcap.log" 2>&1 &
    echo $! >>"$STATE_DIR/capture.pids"
    wait_for_text "$STATE_DIR/dumpcap.log" "Capturing on" || die "dumpcap did not start"
  fi
  sleep 0.5 # both tools have their filters attached; give dumpcap's second interface a moment
}

cmd_capture_stop() {
  [[ -s $STATE_DIR/capture.pids ]] || return 0
  local pid
  # libpcap hands packets over in blocks (dumpcap waits up to its poll timeout); on SIGINT a
  # block that was not handed over yet is lost, so let the last packets through first.
  sleep "${ALGLAB_CAPTURE_DRAIN_S:-1.5}"
  while read -r pid; do kill -INT "$pid" 2>/dev/null || true; done <"$STATE_DIR/capture.pids"
  while read -r pid; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && die "capture process $pid did not stop"
  done <"$STATE_DIR/capture.pids"
  : >"$STATE_DIR/capture.pids"
  # dumpcap creates its file 0600; the captures are meant to be read by anyone.
  [[ -f $(cat "$STATE_DIR/capture.dir")/router.pcapng ]] && chmod 644 "$(cat "$STATE_DIR/capture.dir")/router.pcapng"
  return 0
}

cmd_exec() {
  local which=${1:?exec phone|router|provider CMD...}
  shift
  case $which in
    phone) exec ip netns exec "$NS_PHONE" "$@" ;;
    router) exec ip netns exec "$NS_ROUTER" "$@" ;;
    provider) exec ip netns exec "$NS_PROVIDER" "$@" ;;
    *) die "exec: phone|router|provider" ;;
  esac
}

cmd_status() {
  for ns in "$NS_PHONE" "$NS_ROUTER" "$NS_PROVIDER"; do
    echo "== $ns"; ip -n "$ns" -br addr
  done
  echo "== nft ($NS_ROUTER)"; in_ns "$NS_ROUTER" nft list ruleset
  echo "== timeouts"; in_ns "$NS_ROUTER" sysctl net.netfilter.nf_conntrack_udp_timeout net.netfilter.nf_conntrack_udp_timeout_stream
  echo "== conntrack"; in_ns "$NS_ROUTER" cat /proc/net/nf_conntrack
  echo "== expectations"; in_ns "$NS_ROUTER" cat /proc/net/nf_conntrack_expect
}

ns_of() {
  case $1 in
    phone) echo "$NS_PHONE" ;;
    provider) echo "$NS_PROVIDER" ;;
    *) die "$1: phone or provider" ;;
  esac
}

prepare_sipp() {
  mkdir -p "$LOG_DIR"
  [[ -s $LOG_DIR/g711a-3s.pcap ]] && return 0
  [[ -r $SIPP_AUDIO ]] || die "no $SIPP_AUDIO (package sip-tester); set SIPP_AUDIO"
  editcap -r "$SIPP_AUDIO" "$LOG_DIR/g711a-3s.pcap" 1-100 >/dev/null
}

# -m 1 first so that the caller's arguments can override it.
SIPP_COMMON=(-nostdin -m 1 -trace_err)

cmd_sipp() {
  local name=${1:?sipp NAME phone|provider ARGS...} ns
  ns=$(ns_of "${2:?}")
  shift 2
  prepare_sipp
  cd "$LOG_DIR"
  exec ip netns exec "$ns" sipp "${SIPP_COMMON[@]}" -error_file "$LOG_DIR/$name.err" "$@" >"$LOG_DIR/$name.log" 2>&1
}

cmd_sipp_bg() {
  local name=${1:?sipp-bg NAME phone|provider ARGS...} ns
  ns=$(ns_of "${2:?}")
  shift 2
  prepare_sipp
  rm -f "$LOG_DIR/$name.pid" "$LOG_DIR/$name.rc"
  # The subshell outlives this script to record sipp's exit status for sipp-wait.
  (
    cd "$LOG_DIR"
    ip netns exec "$ns" sipp "${SIPP_COMMON[@]}" -error_file "$LOG_DIR/$name.err" "$@" >"$LOG_DIR/$name.log" 2>&1 &
    echo $! >"$LOG_DIR/$name.pid"
    rc=0
    wait $! || rc=$?
    echo $rc >"$LOG_DIR/$name.rc"
  ) </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 50); do [[ -s $LOG_DIR/$name.pid ]] && return 0; sleep 0.02; done
  die "sipp $name did not start"
}

sipp_failed() { # NAME WHY
  tail -n 25 "$LOG_DIR/$1.log" >&2 || true
  cat "$LOG_DIR/$1.err" >&2 2>/dev/null || true
  die "sipp $1: $2 (logs in $LOG_DIR)"
}

cmd_sipp_wait() {
  local name=${1:?sipp-wait NAME [RC]} want=${2:-0} rc
  [[ -f $LOG_DIR/$name.pid ]] || die "no background sipp named $name"
  # Bounded: every scenario ends within Timer B/H (32 s) plus a call.
  for _ in $(seq 1 1200); do [[ -s $LOG_DIR/$name.rc ]] && break; sleep 0.1; done
  [[ -s $LOG_DIR/$name.rc ]] || sipp_failed "$name" "still running after 120 s"
  rc=$(cat "$LOG_DIR/$name.rc")
  [[ $rc == "$want" ]] || sipp_failed "$name" "exited $rc, expected $want"
}

cmd_sipp_stop() {
  local name=${1:?sipp-stop NAME} pid
  pid=$(cat "$LOG_DIR/$name.pid" 2>/dev/null) || die "no background sipp named $name"
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do [[ -s $LOG_DIR/$name.rc ]] && return 0; sleep 0.1; done
  die "sipp $name did not stop"
}

cmd_listening() {
  local ns opt
  ns=$(ns_of "${1:?listening phone|provider udp|tcp}")
  case ${2:?} in udp) opt=-Hlnu ;; tcp) opt=-Hlnt ;; *) die "listening: udp or tcp" ;; esac
  for _ in $(seq 1 50); do
    [[ -n $(in_ns "$ns" ss $opt 'sport = :5060') ]] && return 0
    sleep 0.1
  done
  die "nothing listens on $2 port 5060 in $ns"
}

transport_opt() {
  case ${1:-udp} in udp) echo u1 ;; tcp) echo t1 ;; *) die "transport: udp or tcp" ;; esac
}

cmd_register() {
  local transport=${1:-udp} t rc=0
  t=$(transport_opt "$transport")
  "$SELF" sipp-bg registrar provider -sf "$SCEN_DIR/provider-registrar.xml" -t "$t" -i "$PROVIDER_IP" -p 5060 -key expires 3600
  "$SELF" listening provider "$transport"
  "$SELF" sipp phone-register phone "$PROVIDER_IP:5060" -sf "$SCEN_DIR/phone-register.xml" -t "$t" \
    -i "$PHONE_IP" -p 5060 -key expires 3600 || rc=$?
  ((rc == 0)) || { "$SELF" sipp-stop registrar || true; sipp_failed phone-register "exited $rc"; }
  "$SELF" sipp-wait registrar
}

cmd_call() {
  local transport=${1:-udp} t rc=0
  t=$(transport_opt "$transport")
  "$SELF" sipp-bg provider-callee provider -sf "$SCEN_DIR/provider-callee.xml" -t "$t" -i "$PROVIDER_IP" -p 5060 \
    -mi "$PROVIDER_IP" -mp 6000 -rtp_echo
  "$SELF" listening provider "$transport"
  "$SELF" sipp phone-call phone "$PROVIDER_IP:5060" -sf "$SCEN_DIR/phone-call.xml" -t "$t" \
    -i "$PHONE_IP" -p 5060 -mi "$PHONE_IP" -mp 16000 || rc=$?
  ((rc == 0)) || { "$SELF" sipp-stop provider-callee || true; sipp_failed phone-call "exited $rc"; }
  "$SELF" sipp-wait provider-callee
}

[[ $(id -u) == 0 ]] || die "needs root"
sub=${1:-}
shift || true
case $sub in
  up) cmd_up "$@" ;;
  down) cmd_down ;;
  alg) cmd_alg "$@" ;;
  drop-ack) cmd_drop_ack "$@" ;;
  capture-start) cmd_capture_start "$@" ;;
  capture-stop) cmd_capture_stop ;;
  exec) cmd_exec "$@" ;;
  status) cmd_status ;;
  register) cmd_register "$@" ;;
  call) cmd_call "$@" ;;
  sipp) cmd_sipp "$@" ;;
  sipp-bg) cmd_sipp_bg "$@" ;;
  sipp-wait) cmd_sipp_wait "$@" ;;
  sipp-stop) cmd_sipp_stop "$@" ;;
  listening) cmd_listening "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac
