import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decidePupilAccess } from '../../src/domain/registry/access';

describe('who may see a pupil', () => {
  it('refuses everything to a person who holds no pupil, even with an id', () => {
    assert.deepEqual(decidePupilAccess([], undefined), { kind: 'not-holder' });
    assert.deepEqual(decidePupilAccess([], 7), { kind: 'not-holder' });
  });

  it('chooses the only pupil, and asks to choose among several', () => {
    assert.deepEqual(decidePupilAccess([7], undefined), { kind: 'pupil', pupilId: 7 });
    assert.deepEqual(decidePupilAccess([7, 9], undefined), { kind: 'choose' });
  });

  it('grants the holder’s own pupils and nobody else’s', () => {
    assert.deepEqual(decidePupilAccess([7, 9], 9), { kind: 'pupil', pupilId: 9 });
    assert.deepEqual(decidePupilAccess([7, 9], 8), { kind: 'not-found' });
    assert.deepEqual(decidePupilAccess([7], 9), { kind: 'not-found' });
  });
});
