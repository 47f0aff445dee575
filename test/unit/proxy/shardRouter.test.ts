import { expect } from 'chai';
import { RpcError, RpcErrorCode, SqlError } from '../../../common/errors';
import { MOVE_WAIT_MS, StaleRetry, isRetryLater } from '../../../proxy/shardRouter';

const stale = (): RpcError => new RpcError(RpcErrorCode.rangeStale, 'epoch moved', { rangeId: 1 });
const frozen = (): RpcError =>
  new RpcError(RpcErrorCode.rangeStale, 'moving', { rangeId: 1, knownEpoch: 2, retryLater: true });

describe('proxy/shardRouter StaleRetry', () => {
  it('tells a moving range from a plain stale one', () => {
    expect(isRetryLater(frozen())).to.equal(true);
    expect(isRetryLater(stale())).to.equal(false);
    expect(
      isRetryLater(new RpcError(RpcErrorCode.unavailable, 'x', { retryLater: true })),
    ).to.equal(false);
  });

  it('gives up on a plain RANGE_STALE after 8 retries, and at once on other errors', async () => {
    const retry = new StaleRetry();
    expect(await retry.pause(new RpcError(RpcErrorCode.unavailable, 'down'))).to.equal(false);
    let n = 0;
    while (await retry.pause(stale())) n++;
    expect(n).to.equal(8);
  });

  it('waits out a frozen range past the plain budget, until MOVE_WAIT_MS, then fails with 40001', async () => {
    let now = 0;
    const retry = new StaleRetry(() => now);
    for (let i = 0; i < 20; i++) expect(await retry.pause(frozen())).to.equal(true);
    // A plain stale answer after the move (new epoch) still has its own budget.
    expect(await retry.pause(stale())).to.equal(true);
    now = MOVE_WAIT_MS + 1;
    let err: unknown;
    try {
      await retry.pause(frozen());
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(SqlError);
    expect((err as SqlError).code).to.equal('40001');
  });
});
