/** Renders per-member results of an operator command and turns failures into exit codes. */
import type { Command } from '@oclif/core';
import { JubaError } from '../errors.js';
import type { MemberResult } from '../control/cluster-control.js';

export function reportMembers(cmd: Command, op: string, name: string, results: MemberResult[]): MemberResult[] {
  if (results.length === 0) {
    throw new JubaError(`no server to ${op}: cluster ${name} has no members`, {
      code: 'not_found',
      hint: 'check the name with `juba ctl status`',
    });
  }
  if (!cmd.jsonEnabled()) {
    for (const r of results) {
      cmd.log(`sending ${op} to ${r.ipPort}...${r.ok ? `ok.${r.detail ? ` ${r.detail}` : ''}` : `failed. ${r.error ?? ''}`}`);
    }
  }
  const failed = results.filter((r) => !r.ok).length;
  if (failed > 0) {
    throw new JubaError(`${op} failed on ${failed} of ${results.length} servers`, {
      code: failed === results.length ? 'failed' : 'partial',
      hint: 'see the lines above (or --json) for each server\'s error',
    });
  }
  return results;
}
