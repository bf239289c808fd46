import type { BenchResults } from '../results';

interface Bar {
  readonly label: string;
  readonly value: number;
  /** Portcullis's own bars stand out; the others are for comparison. */
  readonly ours: boolean;
}

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly bars: readonly Bar[];
}

const WIDTH = 760;
const LABEL_WIDTH = 230;
const BAR_HEIGHT = 22;
const GAP = 8;
const PANEL_PADDING = 44;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(p: Panel, top: number): { svg: string; height: number } {
  const max = Math.max(...p.bars.map((b) => b.value), 1);
  const scale = (WIDTH - LABEL_WIDTH - 110) / max;
  const rows = p.bars.map((bar, i) => {
    const y = top + PANEL_PADDING + i * (BAR_HEIGHT + GAP);
    const width = Math.max(1, bar.value * scale);
    const shown = bar.value >= 100 ? Math.round(bar.value).toLocaleString('en-US') : bar.value.toFixed(bar.value >= 10 ? 1 : 2);
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escape(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${bar.ours ? '#1f6feb' : '#9aa4b2'}"/>`,
      `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + 15}">${shown} ${escape(p.unit)}</text>`,
    ].join('');
  });
  const height = PANEL_PADDING + p.bars.length * (BAR_HEIGHT + GAP) + 10;
  return { svg: `<text x="12" y="${top + 26}" font-weight="bold">${escape(p.title)}</text>${rows.join('')}`, height };
}

/** The report's chart: one panel per comparison, Portcullis in blue, what it is compared with in grey. */
export function renderChart(results: BenchResults): string {
  const { keepAlive: k, handshakes: h, authority: a } = results;
  const largest = a.sizes.at(-1)!;
  const panels: Panel[] = [
    {
      title: `Keep-alive GET /inventory, ${k.concurrency} connections (higher is better)`,
      unit: 'req/s',
      bars: [
        { label: 'plaintext HTTP', value: k.medians.plaintext.requestsPerSecond, ours: false },
        { label: 'Portcullis mTLS', value: k.medians.portcullis.requestsPerSecond, ours: true },
        { label: 'nginx sidecar mTLS', value: k.medians.sidecar.requestsPerSecond, ours: false },
      ],
    },
    {
      title: 'New mTLS connections, one request each (higher is better)',
      unit: 'conn/s',
      bars: [
        { label: 'Portcullis, full handshake', value: h.medians['portcullis/new'].connectionsPerSecond, ours: true },
        { label: 'sidecar, full handshake', value: h.medians['sidecar/new'].connectionsPerSecond, ours: false },
        { label: 'Portcullis, resumed', value: h.medians['portcullis/reuse'].connectionsPerSecond, ours: true },
        { label: 'sidecar, resumed', value: h.medians['sidecar/reuse'].connectionsPerSecond, ours: false },
      ],
    },
    {
      title: `Issuing a mesh of ${largest.services} services from nothing (lower is better)`,
      unit: 's',
      bars: [
        { label: 'Portcullis CA', value: largest.medianSeconds.portcullis, ours: true },
        { label: 'openssl CLI, loop', value: largest.medianSeconds['openssl-loop'], ours: false },
        { label: `openssl CLI, ${a.parallelJobs} jobs`, value: largest.medianSeconds['openssl-parallel'], ours: false },
      ],
    },
  ];
  let top = 0;
  const parts: string[] = [];
  for (const p of panels) {
    const rendered = panel(p, top);
    parts.push(rendered.svg);
    top += rendered.height;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top + 24}" viewBox="0 0 ${WIDTH} ${top + 24}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...parts,
    `<text x="12" y="${top + 14}" fill="#57606a" font-size="11">${escape(`${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}; medians of ${k.rounds} interleaved rounds; ${results.generatedAt.slice(0, 10)}`)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
