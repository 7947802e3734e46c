// A small chart.js plugin: the incident's moments as labelled vertical lines, its down intervals
// shaded over the plot, and the container's running/down band in a strip beneath the axis.
import type { Chart, Plugin } from 'chart.js';
import type { Band, Marker } from './metrics.ts';

export interface MarkerColors {
  critical: string;
  mitigated: string;
  resolved: string;
  unknown: string;
  /** A change of the service (image or configuration). */
  change: string;
  downFill: string;
  downStrip: string;
  upStrip: string;
  text: string;
}

export interface MarkerState {
  markers: readonly Marker[];
  bands: readonly Band[];
  /** Where the band says "running": from the window's start (or this) to its end, outside `bands`. */
  colors: MarkerColors;
  /** Replay's instant (ms): a solid line across the plot, drawn over everything else. */
  cursor?: number | null;
}

/** Height of the running/down strip, drawn in the layout's bottom padding. */
export const STRIP_PX = 6;
export const STRIP_PADDING_PX = STRIP_PX + 6;

function xRange(chart: Chart): { min: number; max: number } | null {
  const x = chart.scales['x'];
  if (!x) return null;
  return { min: x.min, max: x.max };
}

export function incidentMarkersPlugin(state: () => MarkerState): Plugin<'line'> {
  return {
    id: 'vigilIncidentMarkers',
    beforeDatasetsDraw(chart) {
      const x = chart.scales['x'];
      const range = xRange(chart);
      if (!x || !range) return;
      const { top, bottom, left, right } = chart.chartArea;
      const { bands, colors } = state();
      const ctx = chart.ctx;
      ctx.save();
      // The strip: running across the window, down where the timeline says so.
      const stripTop = chart.height - STRIP_PX - 1;
      ctx.fillStyle = colors.upStrip;
      ctx.fillRect(left, stripTop, right - left, STRIP_PX);
      for (const b of bands) {
        const from = Math.max(left, x.getPixelForValue(Math.max(b.fromMs, range.min)));
        const to = Math.min(right, x.getPixelForValue(Math.min(b.toMs, range.max)));
        if (to <= from) continue;
        ctx.fillStyle = colors.downFill;
        ctx.fillRect(from, top, to - from, bottom - top);
        ctx.fillStyle = colors.downStrip;
        ctx.fillRect(from, stripTop, to - from, STRIP_PX);
      }
      ctx.restore();
    },
    afterDatasetsDraw(chart) {
      const x = chart.scales['x'];
      const range = xRange(chart);
      if (!x || !range) return;
      const { top, bottom, right } = chart.chartArea;
      const { markers, colors } = state();
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = '10px ui-monospace, "DejaVu Sans Mono", monospace';
      ctx.textBaseline = 'top';
      let lastLabelRight = Number.NEGATIVE_INFINITY;
      let row = 0;
      for (const m of [...markers].sort((a, b) => a.atMs - b.atMs)) {
        if (m.atMs < range.min || m.atMs > range.max) continue;
        const px = Math.round(x.getPixelForValue(m.atMs)) + 0.5;
        ctx.strokeStyle = colors[m.tone];
        ctx.lineWidth = 1.5;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(px, top);
        ctx.lineTo(px, bottom);
        ctx.stroke();
        // A label goes right of its line, or left of it at the right edge; collisions step down a row.
        const width = ctx.measureText(m.label).width;
        const labelX = px + 3 + width > right ? px - 3 - width : px + 3;
        row = labelX < lastLabelRight ? row + 1 : 0;
        ctx.fillStyle = colors[m.tone];
        ctx.fillText(m.label, labelX, top + 2 + row * 11);
        lastLabelRight = Math.max(lastLabelRight, labelX + width + 4);
      }
      const { cursor } = state();
      if (cursor !== undefined && cursor !== null && cursor >= range.min && cursor <= range.max) {
        const px = Math.round(x.getPixelForValue(cursor)) + 0.5;
        ctx.strokeStyle = colors.text;
        ctx.lineWidth = 2;
        ctx.setLineDash([]);
        ctx.beginPath();
        ctx.moveTo(px, top);
        ctx.lineTo(px, bottom);
        ctx.stroke();
      }
      ctx.restore();
    },
  };
}
