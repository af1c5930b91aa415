// The lab's second Docker engine (lab.json → stackDocker) is where provisioning creates and replaces whole stacks: the
// provisioning integration test and the provisioning e2e spec each start by removing every container labelled
// copper.provision.stack there, and would wreck each other's stacks if they ran at once. Each takes this lock for as long
// as it uses that engine.
import { holdLabLock } from './lab-lock.mjs';

export const holdStackLock = (who, options) => holdLabLock('stack', "the lab's stack engine", who, options);
