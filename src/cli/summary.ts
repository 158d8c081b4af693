import type { RunSummary } from '../pipeline/runner.js';

/** A few human lines about a finished run, for stdout. */
export function formatSummary(s: RunSummary): string {
  const lines = [`${s.pipeline}: ${s.rows} rows -> ${s.sink.target ?? 'sink'} in ${(s.durationMs / 1000).toFixed(1)} s (backend ${s.backend})${s.endedBy === 'drain' ? ', drained' : ''}`];
  for (const stage of s.stages) {
    const st = stage.stats ?? {};
    if (stage.type.endsWith('-fit') && st.fitMs !== undefined) {
      const convergence = st.converged === false ? ' (not converged: see the warning above)' : '';
      const epochs = st.epochs !== undefined ? `, ${st.epochs} epochs${convergence}` : '';
      const saved = st.savedTo ? `, saved to ${st.savedTo}` : '';
      const held = st.calibrationRows !== undefined ? ` (${st.calibrationRows} more held out for calibration)` : '';
      lines.push(`  ${stage.id}: fitted on ${st.rows} rows${held} in ${(Number(st.fitMs) / 1000).toFixed(1)} s${epochs}${saved}`);
    }
    if (stage.type === 'threshold' && st.rows !== undefined) {
      const pct = Number(st.rows) > 0 ? ((100 * Number(st.anomalies)) / Number(st.rows)).toFixed(2) : '0';
      // The conformal rules have no score cut-off: their level (alpha or q) is what was asked for.
      const cut = st.level !== undefined ? `p-value rule ${st.method}=${fmt(st.level)}` : `threshold ${fmt(st.threshold)} (${st.method})`;
      lines.push(`  ${stage.id}: ${st.anomalies} anomalies of ${st.rows} rows (${pct}%), ${cut}`);
    }
    if (Number(st.dropped ?? 0) > 0) lines.push(`  ${stage.id}: ${st.dropped} rows dropped for missing values`);
  }
  return lines.join('\n');
}

function fmt(v: unknown): string {
  return typeof v === 'number' ? Number(v.toPrecision(4)).toString() : String(v);
}
