#!/usr/bin/env bash
# What changed in SIP messages between two capture points, as decoded by tshark.
#   sip-diff.sh INSIDE.pcap OUTSIDE.pcap            markdown table of changed lines + unpaired messages
#   sip-diff.sh --count INSIDE.pcap OUTSIDE.pcap    "<changed lines> <inside-only msgs> <outside-only msgs>"
# A message is identified by Call-ID, CSeq and method/status (the Linux ALG rewrites neither
# Call-ID nor CSeq); among identical copies (retransmissions) each outside copy is paired with the
# unpaired inside copy closest in capture time, so both files must come from the same clock (the
# lab's captures do). Lines are compared by position: the Linux ALG never adds or removes a line.
# SIP quoted inside ICMP errors is ignored. This is a lab verification tool, not the analyzer.
set -euo pipefail

mode=table
if [[ ${1:-} == --count ]]; then mode=count; shift; fi
[[ $# == 2 ]] || { sed -n '2,9p' "$0" >&2; exit 2; }

# One record per SIP line: key \t frame \t epoch time \t line index \t text
records() {
  tshark -r "$1" -Y 'sip and not icmp' -T fields -E separator=/t \
      -e frame.number -e frame.time_epoch -e udp.payload -e tcp.payload 2>/dev/null |
    while IFS=$'\t' read -r frame time udp tcp; do
      printf '%s' "${udp:-$tcp}" | xxd -r -p | tr -d '\r' |
        awk -v frame="$frame" -v time="$time" '{ print frame "\t" time "\t" NR "\t" $0 }'
    done |
    awk -F'\t' '
      function flush(   i) {
        if (n == 0) return
        for (i = 1; i <= n; i++) print callid "|" cseq "|" kind "\t" fr "\t" ft "\t" i "\t" line[i]
        n = 0; callid = ""; cseq = ""; kind = ""
      }
      $1 != fr { flush(); fr = $1; ft = $2 }
      {
        line[++n] = $4
        if ($3 == 1) { split($4, w, " "); kind = ($4 ~ /^SIP\/2\.0 /) ? w[2] : w[1] }
        if (tolower($4) ~ /^(call-id|i)[ \t]*:/) { callid = $4; sub(/^[^:]*:[ \t]*/, "", callid) }
        if (tolower($4) ~ /^cseq[ \t]*:/) { cseq = $4; sub(/^[^:]*:[ \t]*/, "", cseq); gsub(/[ \t]+/, " ", cseq) }
      }
      END { flush() }'
}

inside=$(mktemp) outside=$(mktemp)
trap 'rm -f "$inside" "$outside"' EXIT
records "$1" >"$inside"
records "$2" >"$outside"

awk -F'\t' -v mode="$mode" '
  function label(key,   p, method) {
    split(key, p, "|"); method = p[2]; sub(/^[0-9]+ /, "", method)
    return (p[3] ~ /^[0-9]+$/) ? p[3] " (" method ")" : p[3]
  }
  function field(text) {
    if (text ~ /^[a-z]=/) return substr(text, 1, 2)
    if (text ~ /^(SIP\/2\.0 |[A-Z]+ [^ ]+ SIP\/2\.0$)/) return "start line"
    if (text ~ /^[A-Za-z-]+[ \t]*:/) { sub(/[ \t]*:.*/, "", text); return text }
    return "line"
  }
  function md(s) { gsub(/\|/, "\\|", s); return "`" s "`" }
  function abs(x) { return x < 0 ? -x : x }
  # "frame N (what)" for each frame, in frame order (mawk has no asort)
  function listing(frames, n, what,   i, j, t, s) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && frames[j - 1] > frames[j]; j--) { t = frames[j]; frames[j] = frames[j - 1]; frames[j - 1] = t }
    for (i = 1; i <= n; i++) s = s (i > 1 ? ", " : "") "frame " frames[i] " " what[frames[i]]
    return s
  }
  FNR == NR {
    if (!($2 in akey)) { akey[$2] = $1; atime[$2] = $3; ak[$1, ++akn[$1]] = $2; aframes[++na] = $2 + 0 }
    a[$2, $4] = $5; alines[$2] = $4; next
  }
  {
    if (!($2 in bkey)) { bkey[$2] = $1; btime[$2] = $3; bk[$1, ++bkn[$1]] = $2; bframes[++nb] = $2 + 0 }
    b[$2, $4] = $5; blines[$2] = $4
  }
  END {
    # pair each outside copy with the unpaired inside copy of the same message closest in time
    for (i = 1; i <= nb; i++) {
      f = bframes[i]; k = bkey[f]; best = ""
      for (j = 1; j <= akn[k]; j++) {
        g = ak[k, j]
        if (g in paired) continue
        if (best == "" || abs(atime[g] - btime[f]) < abs(atime[best] - btime[f])) best = g
      }
      if (best != "") { paired[best] = f; bpaired[f] = 1 }
    }
    changed = 0; only_a = 0; only_b = 0
    for (i = 1; i <= na; i++) {
      g = aframes[i]
      if (!(g in paired)) { onlya[++only_a] = g; whata[g] = label(akey[g]); continue }
      f = paired[g]
      n = alines[g] > blines[f] ? alines[g] : blines[f]
      for (l = 1; l <= n; l++) {
        x = a[g, l]; y = b[f, l]
        if (x == y) continue
        changed++
        row = label(akey[g]) SUBSEP field(x != "" ? x : y) SUBSEP x SUBSEP y
        if (!(row in count)) { order[++rows] = row; first[row] = g "/" f }
        count[row]++
      }
    }
    for (i = 1; i <= nb; i++) if (!(bframes[i] in bpaired)) { onlyb[++only_b] = bframes[i]; whatb[bframes[i]] = label(bkey[bframes[i]]) }
    if (mode == "count") { print changed, only_a, only_b; exit }
    if (rows == 0) print "No SIP line differs between the paired messages."
    else {
      print "| message | field | inside | outside | times | first frames (in/out) |"
      print "|---|---|---|---|---|---|"
      for (r = 1; r <= rows; r++) {
        split(order[r], c, SUBSEP)
        print "| " c[1] " | " c[2] " | " md(c[3]) " | " md(c[4]) " | " count[order[r]] " | " first[order[r]] " |"
      }
    }
    if (only_a) print "\nSIP messages seen inside only (" only_a "): " listing(onlya, only_a, whata)
    if (only_b) print "\nSIP messages seen outside only (" only_b "): " listing(onlyb, only_b, whatb)
  }' "$inside" "$outside"
