import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStallMeter } from '../../support/hostStall';

describe('startStallMeter (test support)', () => {
  it('counts the time the event loop could not run, and not time spent waiting', async () => {
    const idle = startStallMeter();
    await sleep(200);
    expect(idle.stop()).to.be.below(100); // counting the wait would give about 200

    const blocked = startStallMeter();
    await sleep(5);
    const until = Date.now() + 150;
    while (Date.now() < until); // what a paused process looks like from inside
    await sleep(5);
    expect(blocked.stop()).to.be.within(130, 400);
  });
});
