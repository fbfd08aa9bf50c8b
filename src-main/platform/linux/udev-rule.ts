// Is a udev rule present that gives the logged-in user the modem (ours, or a similar one)?

import type { PlatformCheck } from '../../../shared/api.js';
import type { SystemProbe } from '../system.js';
import { udevRuleFix } from './fixes.js';

const RULE_DIRS = ['/etc/udev/rules.d', '/lib/udev/rules.d', '/usr/lib/udev/rules.d'];

export async function findUdevRule(probe: SystemProbe): Promise<string | undefined> {
  for (const dir of RULE_DIRS) {
    const hit = (await probe.readdir(dir)).filter((n) => n.includes('modem-rescue') && n.endsWith('.rules')).sort()[0];
    if (hit) return `${dir}/${hit}`;
  }
  return undefined;
}

export async function checkUdevRule(probe: SystemProbe, rulesSource: string): Promise<PlatformCheck> {
  const title = 'udev rule for modem access';
  const found = await findUdevRule(probe);
  if (found)
    return {
      id: 'udev-rule',
      title,
      state: 'ok',
      detail: `${found} is installed: modems in download mode belong to the logged-in user and ModemManager ignores them.`,
    };
  const fix = udevRuleFix(probe, rulesSource);
  return {
    id: 'udev-rule',
    title,
    state: 'warn',
    detail:
      'No Modem Rescue udev rule is installed: without it only root can open a modem in download mode, and ModemManager may probe it.',
    fix: { id: fix.id, label: fix.label, explanation: fix.explanation, needsAdmin: fix.needsAdmin },
  };
}
