#!/usr/bin/env bash
# Makes the small tool-written captures in this folder, so the capture reader is tested on
# what tcpdump and dumpcap really write, not only on hand-built bytes:
#   any-sll2.pcap                 tcpdump -i any -y LINUX_SLL2 (Linux cooked v2), microseconds
#   two-interfaces.pcapng         dumpcap on lo and a veth: two IDBs, EPBs from both, ISBs at the end
#   nano.pcap                     tcpdump --time-stamp-precision=nano (magic a1b23c4d)
#   two-interfaces.pcapng.gz      gzip of the pcapng
# All traffic stays inside two network namespaces made here (documentation addresses
# 198.51.100.0/24 on a veth pair, plus loopback): one SIPp call (INVITE .. BYE) and a few
# UDP datagrams written with bash's /dev/udp. Needs root, tcpdump, dumpcap, sipp.
# The tests in test/capture/ bake in tshark's counts for the committed files; after
# regenerating, update them from `tshark -r FILE -T fields -e frame.number | wc -l`.
set -euo pipefail
cd "$(dirname "$0")"

NS_A=algscope-cap-a
NS_B=algscope-cap-b
ADDR_A=198.51.100.1
ADDR_B=198.51.100.2

cleanup() {
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
}
trap cleanup EXIT
cleanup

ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add veth-cap-a netns "$NS_A" type veth peer name veth-cap-b netns "$NS_B"
ip -n "$NS_A" addr add "$ADDR_A/24" dev veth-cap-a
ip -n "$NS_B" addr add "$ADDR_B/24" dev veth-cap-b
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" link set veth-cap-a up
ip -n "$NS_B" link set veth-cap-b up

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

rm -f any-sll2.pcap two-interfaces.pcapng two-interfaces.pcapng.gz nano.pcap

# -Z root: tcpdump would otherwise drop to its own user before creating the file here.
in_a timeout -s INT 8 tcpdump -i any -y LINUX_SLL2 --immediate-mode -Z root -w any-sll2.pcap 2>/dev/null &
in_a timeout -s INT 8 tcpdump -i veth-cap-a --time-stamp-precision=nano --immediate-mode -Z root -w nano.pcap 2>/dev/null &
in_a dumpcap -q -i lo -i veth-cap-a -a duration:8 -w two-interfaces.pcapng 2>/dev/null &
sleep 2

# One call: SIPp's built-in UAS in B answers the built-in UAC in A.
in_b timeout 6 sipp -sn uas -i "$ADDR_B" -p 5060 -m 1 -nostdin >/dev/null 2>&1 &
sleep 0.5
in_a timeout 6 sipp -sn uac "$ADDR_B:5060" -i "$ADDR_A" -p 5070 -m 1 -nostdin >/dev/null 2>&1 || true

# A few plain datagrams over the veth and over loopback (nobody listens: each draws an ICMP
# port unreachable). One line each: bash writes a line per write(), i.e. per datagram.
send_udp() { # address port text
  in_a bash -c 'printf "%s" "$3" > "/dev/udp/$1/$2"' _ "$1" "$2" "$3"
}
for i in 1 2 3; do
  send_udp "$ADDR_B" 5062 "veth datagram $i"
  send_udp 127.0.0.1 5063 "loopback datagram $i"
  sleep 0.2
done

wait
chmod 644 two-interfaces.pcapng
gzip -9 -n -c two-interfaces.pcapng > two-interfaces.pcapng.gz
ls -l any-sll2.pcap two-interfaces.pcapng two-interfaces.pcapng.gz nano.pcap
