// Draws resources/icons/icon.png (512×512): a copper rounded square with a light "C" ring. No dependencies, so the
// icon can be rebuilt on an offline machine: `node resources/icons/generate-icon.mjs`.
import { Buffer } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const SAMPLES = 4; // supersampling per axis, for smooth edges

function crc32(buffer) {
  let crc = ~0;
  for (const byte of buffer) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const insideRoundedSquare = (x, y) => {
  const margin = 24;
  const radius = 96;
  const cx = Math.min(Math.max(x, margin + radius), SIZE - margin - radius);
  const cy = Math.min(Math.max(y, margin + radius), SIZE - margin - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2 && x >= margin && x <= SIZE - margin && y >= margin && y <= SIZE - margin;
};

const insideRing = (x, y) => {
  const dx = x - SIZE / 2;
  const dy = y - SIZE / 2;
  const distance = Math.hypot(dx, dy);
  const angle = Math.atan2(dy, dx); // the opening faces right, like a "C"
  return distance >= 120 && distance <= 176 && Math.abs(angle) >= Math.PI / 4.5;
};

const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) {
  raw[y * (SIZE * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < SIZE; x++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const px = x + (sx + 0.5) / SAMPLES;
        const py = y + (sy + 0.5) / SAMPLES;
        if (!insideRoundedSquare(px, py)) continue;
        const shade = 1 - (py / SIZE) * 0.25; // copper, lighter at the top
        const [cr, cg, cb] = insideRing(px, py) ? [250, 240, 230] : [184 * shade + 20, 115 * shade + 10, 51 * shade + 5];
        r += cr; g += cg; b += cb; a += 255;
      }
    }
    const n = SAMPLES * SAMPLES;
    const covered = a / 255 || 1;
    const offset = y * (SIZE * 4 + 1) + 1 + x * 4;
    raw[offset] = Math.round(r / covered);
    raw[offset + 1] = Math.round(g / covered);
    raw[offset + 2] = Math.round(b / covered);
    raw[offset + 3] = Math.round(a / n);
  }
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('./icon.png', import.meta.url), png);
process.stdout.write(`Wrote resources/icons/icon.png (${SIZE}×${SIZE}, ${png.length} bytes)\n`);
