/**
 * Small but structurally real disk images, built byte by byte (no external tools): qcow2 (v3, with
 * optional backing file / external data file), VMDK monolithicSparse (header + embedded
 * descriptor + grain directory), VHD fixed and dynamic, VHDX (header, region table, metadata),
 * VDI, ISO 9660 and ploop.
 */
const MiB = 1 << 20;

/** Deterministic noise (xorshift32): test data is reproducible from its seed. */
export function noise(size: number, seed = 0x9e3779b9): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  for (; i < size; i++) b[i] = (x >>> (8 * (i & 3))) & 0xff;
  return b;
}

function be64(b: Buffer, o: number, v: number | bigint) {
  b.writeBigUInt64BE(BigInt(v), o);
}
function le64(b: Buffer, o: number, v: number | bigint) {
  b.writeBigUInt64LE(BigInt(v), o);
}

/** qcow2 v3, 64 KiB clusters: header, refcount table + block, empty L1 table. */
export function qcow2(virtualSize: number | bigint = 64 * MiB, opts: { backingFile?: string; dataFile?: string; dataFileBit?: boolean; incompatible?: bigint } = {}): Buffer {
  const cluster = 65536;
  const img = Buffer.alloc(4 * cluster);
  img.write('QFI\xfb', 0, 'latin1');
  img.writeUInt32BE(3, 4);
  img.writeUInt32BE(16, 20); // cluster_bits
  be64(img, 24, virtualSize);
  const l2Entries = cluster / 8;
  const perL1 = BigInt(cluster * l2Entries);
  const l1Size = Number((BigInt(virtualSize) + perL1 - 1n) / perL1);
  img.writeUInt32BE(Math.min(l1Size, 0xffffffff), 36);
  be64(img, 40, 3 * cluster); // l1_table_offset
  be64(img, 48, cluster); // refcount_table_offset
  img.writeUInt32BE(1, 56); // refcount_table_clusters
  be64(img, 72, (opts.incompatible ?? 0n) | (opts.dataFileBit ? 4n : 0n));
  img.writeUInt32BE(4, 96); // refcount_order
  img.writeUInt32BE(104, 100); // header_length
  let o = 104;
  if (opts.dataFile) {
    const name = Buffer.from(opts.dataFile);
    img.writeUInt32BE(0x44415441, o);
    img.writeUInt32BE(name.length, o + 4);
    name.copy(img, o + 8);
    o += 8 + Math.ceil(name.length / 8) * 8;
  }
  o += 8; // end-of-extensions (type 0)
  if (opts.backingFile) {
    const name = Buffer.from(opts.backingFile);
    be64(img, 8, o);
    img.writeUInt32BE(name.length, 16);
    name.copy(img, o);
  }
  be64(img, cluster, 2 * cluster); // refcount table → block at cluster 2
  for (let i = 0; i < 4; i++) img.writeUInt16BE(1, 2 * cluster + i * 2); // clusters 0..3 in use
  return img;
}

/** VMDK monolithicSparse: header, descriptor at sector 1, grain directory + one grain table, one data grain. */
export function vmdk(
  capacitySectors: number | bigint = 8192,
  opts: { createType?: string; extent?: string; descriptor?: string; descSectors?: number; footer?: boolean } = {},
): Buffer {
  const sector = 512;
  const grainSize = 128; // sectors (64 KiB)
  const descSectors = opts.descSectors ?? 20;
  const gdOffset = 1 + descSectors;
  const gtOffset = gdOffset + 1;
  const gtesPerGt = 512;
  const grains = Math.min(Math.ceil(Number(capacitySectors) / grainSize), 1 << 16);
  const gts = Math.ceil(grains / gtesPerGt);
  const gtSectors = Math.ceil((gts * gtesPerGt * 4) / sector);
  const overhead = Math.ceil((gtOffset + gtSectors) / grainSize) * grainSize;
  const img = Buffer.alloc((overhead + grainSize) * sector);
  img.write('KDMV', 0, 'latin1');
  img.writeUInt32LE(1, 4);
  img.writeUInt32LE(3, 8);
  le64(img, 12, capacitySectors);
  le64(img, 20, grainSize);
  le64(img, 28, 1);
  le64(img, 36, descSectors);
  img.writeUInt32LE(gtesPerGt, 44);
  le64(img, 48, 0);
  le64(img, 56, opts.footer ? 0xffffffffffffffffn : gdOffset);
  le64(img, 64, overhead);
  img.write('\n \r\n', 73, 'latin1');
  const desc = opts.descriptor ?? [
    '# Disk DescriptorFile',
    'version=1',
    'CID=fffffffe',
    'parentCID=ffffffff',
    `createType="${opts.createType ?? 'monolithicSparse'}"`,
    '',
    '# Extent description',
    opts.extent ?? `RW ${capacitySectors} SPARSE "disk.vmdk"`,
    '',
    'ddb.virtualHWVersion = "4"',
    '',
  ].join('\n');
  img.write(desc, sector, descSectors * sector, 'latin1');
  for (let i = 0; i < gts; i++) img.writeUInt32LE(gtOffset + (i * gtesPerGt * 4) / sector, gdOffset * sector + i * 4);
  img.writeUInt32LE(overhead, gtOffset * sector); // grain 0 → first data grain
  noise(grainSize * sector, 1).copy(img, overhead * sector);
  if (!opts.footer) return img;
  // streamOptimized layout: footer marker, a copy of the header with the real gdOffset, end-of-stream marker.
  const tail = Buffer.alloc(3 * sector);
  tail.writeUInt32LE(3, 12);
  img.copy(tail, sector, 0, sector);
  le64(tail, sector + 56, gdOffset);
  return Buffer.concat([img, tail]);
}

/** A VHD footer with a valid checksum. */
export function vhdFooterBytes(size: number | bigint, type: number, dataOffset: number): Buffer {
  const f = Buffer.alloc(512);
  f.write('conectix', 0, 'latin1');
  f.writeUInt32BE(2, 8);
  f.writeUInt32BE(0x00010000, 12);
  if (type === 2) f.writeBigUInt64BE(0xffffffffffffffffn, 16);
  else be64(f, 16, dataOffset);
  f.write('tsts', 28, 'latin1');
  be64(f, 40, size);
  be64(f, 48, size);
  const sectors = Number(size) / 512;
  const heads = 16;
  const spt = 63;
  const cyl = Math.floor(sectors / (heads * spt));
  f.writeUInt16BE(Math.min(cyl, 0xffff), 56);
  f.writeUInt8(heads, 58);
  f.writeUInt8(spt, 59);
  f.writeUInt32BE(type, 60);
  noise(16, Number(BigInt(size) % 0xfffffffn) + type).copy(f, 68);
  let sum = 0;
  for (const b of f) sum += b;
  f.writeUInt32BE(~sum >>> 0, 64);
  return f;
}

/** Fixed VHD: raw data followed by the 512-byte footer. */
export function vhdFixed(size = 2 * MiB): Buffer {
  return Buffer.concat([noise(size, size), vhdFooterBytes(size, 2, 0)]);
}

/** Dynamic (or differencing, type 4) VHD: footer copy, dynamic header, BAT, footer. */
export function vhdDynamic(size = 8 * MiB, type: 3 | 4 = 3): Buffer {
  const footer = vhdFooterBytes(size, type, 512);
  const dyn = Buffer.alloc(1024);
  dyn.write('cxsparse', 0, 'latin1');
  dyn.writeBigUInt64BE(0xffffffffffffffffn, 8);
  be64(dyn, 16, 1536); // BAT offset
  dyn.writeUInt32BE(0x00010000, 24);
  const blocks = Math.ceil(size / (2 * MiB));
  dyn.writeUInt32BE(blocks, 28);
  dyn.writeUInt32BE(2 * MiB, 32);
  let sum = 0;
  for (const b of dyn) sum += b;
  dyn.writeUInt32BE(~sum >>> 0, 36);
  const bat = Buffer.alloc(Math.ceil((blocks * 4) / 512) * 512, 0xff);
  return Buffer.concat([footer, dyn, bat, footer]);
}

function guidLE(s: string): Buffer {
  const h = s.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}

/**
 * VHDX: file identifier, region table at 192 KiB, metadata region (at 256 KiB unless `metaOffset`
 * says otherwise, as qemu's 2 MiB) whose table lists the virtual disk size item (at 64 KiB into the
 * region, as the specification asks) and, with `parent`, a parent locator.
 */
export function vhdx(virtualSize: number | bigint = 64 * MiB, opts: { metaOffset?: number; parent?: boolean } = {}): Buffer {
  const meta = opts.metaOffset ?? 256 * 1024;
  const img = Buffer.alloc(Math.max(1 * MiB, Math.ceil((meta + 65536 + 4096) / MiB) * MiB));
  img.write('vhdxfile', 0, 'latin1');
  const region = 192 * 1024;
  img.write('regi', region, 'latin1');
  img.writeUInt32LE(1, region + 8);
  guidLE('8b7ca206-4790-4b9a-b8fe-575f050f886e').copy(img, region + 16);
  le64(img, region + 32, meta);
  img.writeUInt32LE(1 * MiB, region + 40);
  img.writeUInt32LE(1, region + 44);
  img.write('metadata', meta, 'latin1');
  img.writeUInt16LE(opts.parent ? 2 : 1, meta + 10);
  guidLE('2fa54224-cd1b-4876-b211-5dbed83bf4b8').copy(img, meta + 32);
  img.writeUInt32LE(65536, meta + 48);
  img.writeUInt32LE(8, meta + 52);
  img.writeUInt32LE(6, meta + 56); // IsVirtualDisk | IsRequired
  le64(img, meta + 65536, virtualSize);
  if (opts.parent) {
    guidLE('a8d35f2d-b30b-454d-abf7-d3d84834ab0c').copy(img, meta + 64);
    img.writeUInt32LE(65536 + 8, meta + 80);
    img.writeUInt32LE(64, meta + 84);
    img.writeUInt32LE(6, meta + 88);
  }
  return img;
}

/** VDI (VirtualBox) header. */
export function vdi(virtualSize: number | bigint = 32 * MiB): Buffer {
  const img = Buffer.alloc(2 * 4096);
  img.write('<<< Oracle VM VirtualBox Disk Image >>>\n', 0, 'latin1');
  img.writeUInt32LE(0xbeda107f, 0x40);
  img.writeUInt32LE(0x00010001, 0x44);
  le64(img, 0x170, virtualSize);
  return img;
}

/** ISO 9660: system area, primary volume descriptor at 32 KiB, terminator, some data blocks. */
export function iso(blocks = 40): Buffer {
  const img = Buffer.alloc(blocks * 2048);
  const pvd = 16 * 2048;
  img.writeUInt8(1, pvd);
  img.write('CD001', pvd + 1, 'latin1');
  img.writeUInt8(1, pvd + 6);
  img.write('TESTVOLUME'.padEnd(32, ' '), pvd + 40, 'latin1');
  img.writeUInt32LE(blocks, pvd + 80);
  img.writeUInt32BE(blocks, pvd + 84);
  img.writeUInt16LE(1, pvd + 120);
  img.writeUInt16BE(1, pvd + 122);
  img.writeUInt16LE(1, pvd + 124);
  img.writeUInt16BE(1, pvd + 126);
  img.writeUInt16LE(2048, pvd + 128);
  img.writeUInt16BE(2048, pvd + 130);
  const term = 17 * 2048;
  img.writeUInt8(255, term);
  img.write('CD001', term + 1, 'latin1');
  img.writeUInt8(1, term + 6);
  noise(2048 * 4, blocks).copy(img, 20 * 2048);
  return img;
}

export function ploop(): Buffer {
  const img = Buffer.alloc(1 * MiB);
  img.write('WithouFreSpacExt', 0, 'latin1');
  return img;
}

/** Raw data that looks like nothing in particular. */
export function raw(size = 300_000, seed = size): Buffer {
  const b = noise(size, seed);
  b.fill(0, 0, 512);
  return b;
}
