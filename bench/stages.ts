/**
 * One pipeline stage (and everything before it) over one capture, in this process, with nothing
 * done per item but counting; prints one JSON line. The harness (bench/run.ts) runs it as a child
 * process under /usr/bin/time for the peak RSS.
 *
 *   read    capture reader only: frames out of the pcap/pcapng stream
 *   decode  reader + link/IP/UDP/TCP decode (issue 2's read+decode benchmark)
 *   sip     reader + decode + SIP framing and parsing + dialog grouping, finished dialogs
 *           summarized and dropped as a file analysis does (issue 3's messages/s)
 *
 *   npx tsx bench/stages.ts read|decode|sip CAPTURE
 */
import { readCapture } from '../src/capture/index.js';
import type { CaptureSink } from '../src/capture/types.js';
import { PacketDecoder } from '../src/decode/index.js';
import { DialogTracker } from '../src/dialog/index.js';
import { SipFramer } from '../src/sip/index.js';
import { FILE_DIALOG_CONFIG, HEAP_GROWTH_BETWEEN_COLLECTIONS } from '../src/analysis/session.js';
import { HeapTrimmer } from '../src/util/heap.js';

const STAGES = ['read', 'decode', 'sip'] as const;
/** SIP messages between two ageOut() calls of the sip stage. */
const AGE_OUT_EVERY = 10_000;
type Stage = (typeof STAGES)[number];

interface StageReport {
  stage: Stage;
  file: string;
  bytes: number;
  frames: number;
  payloads?: number;
  sipMessages?: number;
  dialogs?: number;
  seconds: number;
}

async function run(stage: Stage, file: string): Promise<StageReport> {
  let payloads = 0;
  let sipMessages = 0;
  // Grouped as a file analysis groups them: dialogs that finished a while ago (in capture time) are
  // summarized and dropped as the reading goes, so memory follows the dialogs open at a time.
  const dialogs = new DialogTracker(FILE_DIALOG_CONFIG);
  // And, as a file analysis does, garbage is collected after concluding once the heap has grown.
  const heap = new HeapTrimmer(HEAP_GROWTH_BETWEEN_COLLECTIONS);
  const framer = new SipFramer({
    onMessage(message) {
      sipMessages++;
      dialogs.onMessage(message);
      if (sipMessages % AGE_OUT_EVERY === 0) {
        dialogs.ageOut(message.origin.ts);
        heap.collectIfGrown();
      }
    },
    onKeepalive() {},
    onProblem() {},
  });
  const decoder = new PacketDecoder(file, {
    onPayload(payload) {
      payloads++;
      if (stage === 'sip' && !framer.onPayload(payload) && payload.transport === 'udp') dialogs.onRtpCandidate(payload);
    },
    onTcpGap(gap) {
      if (stage === 'sip') framer.gap(gap.streamId, gap);
    },
    onTcpStreamEnd(streamId) {
      if (stage === 'sip') framer.endStream(streamId);
    },
    onProblem() {},
  });
  const sink: CaptureSink = {
    onInterface: (iface) => decoder.addInterface(iface),
    onFrame: stage === 'read' ? () => {} : (frame) => decoder.decode(frame),
    onProblem() {},
  };
  const started = process.hrtime.bigint();
  const summary = await readCapture(file, sink);
  const report: StageReport = { stage, file, bytes: summary.bytesRead, frames: summary.frames, seconds: 0 };
  if (stage !== 'read') {
    decoder.finish();
    report.payloads = payloads;
  }
  if (stage === 'sip') {
    framer.finish();
    const stats = dialogs.stats();
    report.sipMessages = sipMessages;
    report.dialogs = stats.dialogs;
  }
  report.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return report;
}

const [stage, file] = process.argv.slice(2);
if (!STAGES.includes(stage as Stage) || !file) {
  process.stderr.write(`usage: tsx bench/stages.ts ${STAGES.join('|')} CAPTURE\n`);
  process.exit(2);
}
run(stage as Stage, file).then(
  (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
