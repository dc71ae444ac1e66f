/**
 * Copy, print and download (.txt) for a recovery code shown once. Download is a plain link (works
 * without script); Copy and Print are revealed by a small inline script under the response's CSP nonce.
 */
import { t } from '../messages/index.ts';
import { type Html, html, raw } from './html.ts';

const SCRIPT = `(() => {
  const tools = document.querySelector('[data-recovery-tools]');
  if (!tools) return;
  const status = tools.querySelector('[data-status]');
  const copy = tools.querySelector('[data-copy]');
  const print = tools.querySelector('[data-print]');
  if (navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener('click', () => {
      navigator.clipboard.writeText(copy.dataset.copy).then(
        () => { status.textContent = copy.dataset.done; },
        () => { status.textContent = copy.dataset.failed; },
      );
    });
  }
  print.hidden = false;
  print.addEventListener('click', () => window.print());
})();`;

/** Print only what matters: the code and the words around it, not buttons or forms. */
export const RECOVERY_PRINT_CSS =
  '.tools{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.25rem 0 .75rem}.tools button,.tools .button{width:auto;margin-top:0}@media print{form,button,.tools,nav,header.top,.skip{display:none!important}}';

export function recoveryCodeTools(nonce: string, siteName: string, code: string): Html {
  const file = t('recovery.file', { site: siteName, code });
  return html`<div class="tools" data-recovery-tools>
<button type="button" class="secondary" data-copy="${code}" data-done="${t('recovery.copied')}" data-failed="${t('recovery.copyFailed')}" hidden>${t('recovery.copy')}</button>
<button type="button" class="secondary" data-print hidden>${t('recovery.print')}</button>
<a class="button secondary" download="recovery-code.txt" href="data:text/plain;charset=utf-8,${encodeURIComponent(file)}">${t('recovery.download')}</a>
<span role="status" data-status></span>
</div>
<script nonce="${nonce}">${raw(SCRIPT)}</script>`;
}
