import type {
  DrillRecord,
  RestoreProgress,
} from '@internal/plugin-uyoop-drp-common';
import { formatSeconds } from '@internal/plugin-uyoop-drp-common';

export { formatSeconds };

/** A restore's progress as a line: its phase, items, then volume bytes. */
export const formatRestoreProgress = (p: RestoreProgress) =>
  `${p.phase}: ${p.itemsRestored ?? 0}/${p.totalItems ?? '?'} items, ${
    p.volumeBytesDone
  }/${p.volumeBytesTotal} volume bytes`;

const esc = (v: unknown) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    c =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[
        c
      ]!),
  );

/**
 * A drill as a standalone HTML page (no script, no external asset): the
 * proof that a namespace was deleted, restored from its backup and found
 * identical, with the measured RTO and RPO.
 */
export function drillReportHtml(r: DrillRecord): string {
  const rows = (cells: unknown[][]) =>
    cells
      .map(c => `<tr>${c.map(x => `<td>${esc(x)}</td>`).join('')}</tr>`)
      .join('\n');
  const diff = r.diff
    ? [
        ...r.diff.missing.map(k => ['missing', k]),
        ...r.diff.extra.map(k => ['extra', k]),
        ...r.diff.changed.map(k => ['changed', k]),
      ]
    : [];
  const objects = Object.keys(r.before?.objects ?? {}).length;
  const data = Object.keys(r.before?.data ?? {}).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Drill ${esc(r.id)}: ${esc(r.namespace)} ${esc(r.status)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}
table{border-collapse:collapse;width:100%;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}
.succeeded{color:#176c2f}.failed{color:#a11}.figures td{font-size:1.3rem}
</style></head><body>
<h1>Disaster recovery drill: <span class="${esc(r.status)}">${esc(
    r.status,
  )}</span></h1>
<p>Namespace <b>${esc(
    r.namespace,
  )}</b> deleted on purpose and restored from backup <b>${esc(
    r.backup ?? 'none',
  )}</b>${
    r.backupStartedAt ? ` taken at ${esc(r.backupStartedAt)}` : ''
  }. Started by ${esc(r.actor)} at ${esc(r.startedAt)}${
    r.finishedAt ? `, finished at ${esc(r.finishedAt)}` : ''
  }.</p>
${r.error ? `<p class="failed">Reason: ${esc(r.error)}</p>` : ''}
<table class="figures"><tr><th>RTO (delete to ready)</th><th>RPO (drill start minus backup)</th></tr>
<tr><td>${esc(formatSeconds(r.rtoSeconds))}</td><td>${esc(
    formatSeconds(r.rpoSeconds),
  )}</td></tr></table>
<h2>Timeline</h2>
<table><tr><th>time</th><th>step</th><th>detail</th></tr>
${rows(r.timeline.map(s => [s.at, s.step, s.detail ?? '']))}
</table>
<h2>Verification</h2>
<p>${objects} objects and ${data} data probes fingerprinted before the delete and after the restore: ${
    r.diff
      ? diff.length
        ? `${diff.length} differences.`
        : 'identical.'
      : 'not compared.'
  }</p>
${
  diff.length
    ? `<table><tr><th>difference</th><th>what</th></tr>${rows(diff)}</table>`
    : ''
}
${
  r.restoreResults?.length
    ? `<h2>Restore messages</h2><table><tr><th>resource</th><th>kind</th><th>message</th><th>hint</th></tr>${rows(
        r.restoreResults.map(x => [
          x.resource,
          x.kind,
          x.message,
          x.hint ?? '',
        ]),
      )}</table>`
    : ''
}
<p><small>Restore ${esc(r.restoreName ?? '')}; drill ${esc(r.id)}.</small></p>
</body></html>
`;
}
