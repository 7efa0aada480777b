import { bodyRegion } from '../../src/text/body-region.js';

describe('bodyRegion', () => {
  it.each([
    ['Pseudarthrosis at L4-5.', 'lumbar'],
    ['Loosening of the S1 screws.', 'lumbar'],
    ['XR lumbar spine 2 views', 'lumbar'],
    ['Thoracolumbar junction', 'lumbar'],
    ['Loosening of the T12 and L1 screws.', 'lumbar'],
    ['C5-C6 pseudarthrosis.', 'elsewhere'],
    ['Loosening of the T10 screws.', 'elsewhere'],
    ['CT cervical spine', 'elsewhere'],
    ['Lucency around the tibial component.', 'elsewhere'],
    ['Glenohumeral instability.', 'elsewhere'],
    ['Sacroiliac joint instability.', 'elsewhere'],
    ['Increased T2 signal around the screws.', undefined],
    ['Lucency around the screws.', undefined],
    ['Femoral ring allograft subsidence.', undefined],
    ['', undefined],
  ])('%s: %s', (text, region) => {
    expect(bodyRegion(text)).toBe(region);
  });
});
