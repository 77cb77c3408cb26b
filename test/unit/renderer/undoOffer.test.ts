import { test } from 'node:test';
import assert from 'node:assert/strict';
import { undoOfferMs } from '../../../renderer/app/useUndoableDeletes';

test('Undo is offered a little less long than the gateway keeps the delete, never longer: 5 s less, a quarter less of a short window, none of a final one', () => {
  assert.equal(undoOfferMs(60_000), 55_000);
  assert.equal(undoOfferMs(6_000), 4_500);
  assert.equal(undoOfferMs(400), 300);
  assert.equal(undoOfferMs(0), 0);
  assert.equal(undoOfferMs(-5), 0);
});
