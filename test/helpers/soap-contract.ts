import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../src/config/paths';

/**
 * Holds SOAP messages to pagoPA's published contract: `xmllint --schema` with the driver schema of
 * ../shared/specs/official (the official SOAP envelope and paForNode.xsd together). Where that folder
 * is absent (a checkout without it) the check is skipped with a message; in CI (CI=true) a missing
 * xmllint is a failure, never a silent skip.
 */
export const OFFICIAL_SPECS = resolve(PROJECT_ROOT, '..', 'shared', 'specs', 'official');
const DRIVER = join(OFFICIAL_SPECS, 'pagopa-api', 'soap-paForNode-driver.xsd');
export const EXAMPLE_PA_SEND_RT_V2 = join(OFFICIAL_SPECS, 'pagopa-api', 'example-paSendRTV2-request.xml');

function xmllintAvailable(): boolean {
  return spawnSync('xmllint', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Why the contract checks cannot run here, or undefined when they run. */
export const soapContractSkip: string | undefined = (() => {
  if (!existsSync(DRIVER)) return `SOAP contract checks skipped: ${DRIVER} is absent (the official specs are not beside this checkout)`;
  if (!xmllintAvailable()) {
    if (process.env.CI) throw new Error('CI needs xmllint (apt-get install libxml2-utils) to validate SOAP messages against the official XSD');
    return 'SOAP contract checks skipped: xmllint is not installed (apt-get install libxml2-utils)';
  }
  return undefined;
})();

let told = false;

/** Fails unless `xml` is a SOAP envelope valid against paForNode.xsd; `what` names it in the failure. */
export function assertSoapContract(xml: string, what: string): void {
  if (soapContractSkip) {
    if (!told) process.stderr.write(`# ${soapContractSkip}\n`);
    told = true;
    return;
  }
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', DRIVER, '-'], { input: xml, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    assert.fail(`${what} is not valid against the official paForNode.xsd:\n${stderr}\n${xml.slice(0, 2000)}`);
  }
}
