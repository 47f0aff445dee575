/**
 * When the proxy tells meta about its open transactions: the timer always reports; a
 * transaction opening on an idle proxy reports at once only while meta may be holding
 * nothing back for it (its last report said none open, or was lost).
 */
import { expect } from 'chai';
import { ActiveReporter } from '../../../../proxy/txn/activeReporter';

function setup(fail = false): {
  reporter: ActiveReporter;
  sent: Array<bigint | null>;
  open: { oldest: bigint | null };
} {
  const sent: Array<bigint | null> = [];
  const open = { oldest: null as bigint | null };
  const reporter = new ActiveReporter(
    () => open.oldest,
    (oldest) => {
      sent.push(oldest);
      return fail ? Promise.reject(new Error('meta down')) : Promise.resolve();
    },
    () => undefined,
  );
  return { reporter, sent, open };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('proxy/txn ActiveReporter', () => {
  it('reports the first transaction at once when meta holds nothing back for this proxy', () => {
    const { reporter, sent, open } = setup();
    open.oldest = 10n;
    reporter.busy(); // nothing reported yet
    expect(sent).to.deep.equal([10n]);
  });

  it('does not report again while its last report still holds the safe point back', () => {
    const { reporter, sent, open } = setup();
    open.oldest = 10n;
    reporter.report();
    open.oldest = null; // the transaction ended; the next opens later, so at a later ts
    open.oldest = 20n;
    reporter.busy();
    reporter.busy();
    expect(sent).to.deep.equal([10n]);
  });

  it('reports at once again after the timer reported none open', () => {
    const { reporter, sent, open } = setup();
    reporter.report(); // idle: none open
    open.oldest = 30n;
    reporter.busy();
    expect(sent).to.deep.equal([null, 30n]);
  });

  it('counts a failed report as not holding anything back', async () => {
    const { reporter, sent, open } = setup(true);
    open.oldest = 10n;
    reporter.report();
    await settle();
    open.oldest = 40n;
    reporter.busy();
    expect(sent).to.deep.equal([10n, 40n]);
  });
});
