/**
 * LVM inside `--image`, read from the image file itself: the PV labels, the volume group's text
 * metadata, and where each logical volume's extents lie. A linear volume whose extents are one
 * contiguous run on one PV (what installers create, and what `lvextend` into free space keeps) is a
 * byte range of the image, so a loop device at that offset is the volume.
 *
 * Why not `vgchange -ay`: activation needs device-mapper on the machine running sysprep (builders'
 * CI runners and containers often lack it), and it puts the image's volume group into the host's LVM:
 * a clone of the host's own template has the same VG name and PV UUIDs, and the two collide. Reading
 * the metadata touches nothing; the image's LVM metadata is never written.
 *
 * On-disk format (LVM2 `format_text`): a label in one of the first four sectors ("LABELONE", type
 * "LVM2 001") with the PV header (UUID, data areas, metadata areas); each metadata area starts with
 * an mda_header (magic " LVM2 x[5A%r0N*>") whose first raw location points at the current metadata
 * text, a circular buffer after the 512-byte header.
 */
import * as fs from 'node:fs';

const SECTOR = 512;
const LABEL_ID = 'LABELONE';
const LABEL_TYPE = 'LVM2 001';
const MDA_MAGIC = ' LVM2 x[5A%r0N*>';
const MDA_HEADER_SIZE = 512;

export interface PhysicalVolume {
  /** the PV UUID without dashes */
  uuid: string;
  /** byte offset of the PV in the image file (its partition's start) */
  offset: number;
  /** the newest metadata text found in its metadata areas, if any */
  metadata?: string;
}

export interface LogicalVolume {
  vg: string;
  name: string;
  /** byte range in the image file */
  offset: number;
  size: number;
}

export interface LvmLayout {
  volumes: LogicalVolume[];
  /** volumes that are not one contiguous linear range, with the reason */
  unsupported: { vg: string; name: string; why: string }[];
  /** volume groups named by a PV here whose metadata or PVs are missing */
  incomplete: string[];
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = fs.readSync(fd, buf, 0, length, offset);
  return buf.subarray(0, n);
}

const u32 = (b: Buffer, at: number) => b.readUInt32LE(at);
const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));

/** The PV at `offset` in the image file, or undefined when there is no LVM2 label there. */
export function readPhysicalVolume(file: string, offset: number): PhysicalVolume | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const head = readAt(fd, offset, 4 * SECTOR);
    for (let s = 0; s < 4; s++) {
      const label = head.subarray(s * SECTOR, (s + 1) * SECTOR);
      if (label.length < SECTOR || label.toString('latin1', 0, 8) !== LABEL_ID) continue;
      if (label.toString('latin1', 24, 32) !== LABEL_TYPE) continue;
      const pvh = u32(label, 20); // offset of the PV header within the label sector
      const uuid = label.toString('latin1', pvh, pvh + 32);
      // disk locations: data areas, a zero entry, metadata areas, a zero entry
      let at = pvh + 32 + 8;
      const areas: { offset: number; size: number }[][] = [[], []];
      for (const list of areas) {
        while (at + 16 <= SECTOR) {
          const o = u64(label, at);
          const size = u64(label, at + 8);
          at += 16;
          if (o === 0 && size === 0) break;
          list.push({ offset: o, size });
        }
      }
      let newest: { seqno: number; text: string } | undefined;
      for (const mda of areas[1]!) {
        const text = readMetadataArea(fd, offset + mda.offset, mda.size);
        const seqno = text === undefined ? -1 : Number(/\bseqno\s*=\s*(\d+)/.exec(text)?.[1] ?? -1);
        if (text !== undefined && (!newest || seqno > newest.seqno)) newest = { seqno, text };
      }
      return { uuid, offset, ...(newest ? { metadata: newest.text } : {}) };
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function readMetadataArea(fd: number, start: number, size: number): string | undefined {
  const header = readAt(fd, start, MDA_HEADER_SIZE);
  if (header.length < MDA_HEADER_SIZE || header.toString('latin1', 4, 20) !== MDA_MAGIC) return undefined;
  // raw_locn[0]: offset (from the area's start), size, checksum, flags
  const offset = u64(header, 40);
  const length = u64(header, 48);
  if (!offset || !length || length > size) return undefined;
  const first = Math.min(length, size - offset);
  let text = readAt(fd, start + offset, first);
  // the buffer is circular: what does not fit before the area's end continues after the header
  if (first < length) text = Buffer.concat([text, readAt(fd, start + MDA_HEADER_SIZE, length - first)]);
  return text.toString('utf8').replace(/\0+$/, '');
}

// ------------------------------------------------------------------------------------------------
// the metadata's text format: `name = value`, `name { … }`, values are numbers, "strings" or [lists]

export type MetaValue = number | string | MetaValue[] | MetaSection;
export interface MetaSection {
  [key: string]: MetaValue;
}

export function parseMetadata(text: string): MetaSection {
  const tokens = text.match(/#[^\n]*|"(?:[^"\\]|\\.)*"|[A-Za-z0-9_.+\-]+|[={}\[\],]/g) ?? [];
  let i = 0;
  const next = () => {
    while (i < tokens.length && tokens[i]!.startsWith('#')) i++;
    return tokens[i++];
  };
  const peek = () => {
    while (i < tokens.length && tokens[i]!.startsWith('#')) i++;
    return tokens[i];
  };
  const value = (): MetaValue => {
    const t = next();
    if (t === undefined) throw new Error('LVM metadata ends early');
    if (t === '[') {
      const list: MetaValue[] = [];
      while (peek() !== ']') {
        if (peek() === undefined) throw new Error('LVM metadata: unterminated list');
        if (peek() === ',') {
          next();
          continue;
        }
        list.push(value());
      }
      next();
      return list;
    }
    if (t.startsWith('"')) return t.slice(1, -1).replace(/\\(.)/g, '$1');
    const n = Number(t);
    return Number.isNaN(n) ? t : n;
  };
  const section = (closing: boolean): MetaSection => {
    const out: MetaSection = {};
    for (;;) {
      const key = next();
      if (key === undefined) {
        if (closing) throw new Error('LVM metadata: unterminated section');
        return out;
      }
      if (key === '}') {
        if (!closing) throw new Error('LVM metadata: unexpected "}"');
        return out;
      }
      const op = next();
      if (op === '{') out[key] = section(true);
      else if (op === '=') out[key] = value();
      else throw new Error(`LVM metadata: "${key}" is followed by "${op}"`);
    }
  };
  return section(false);
}

const isSection = (v: MetaValue | undefined): v is MetaSection => typeof v === 'object' && v !== null && !Array.isArray(v);
const dashless = (id: string) => id.replace(/-/g, '');

/**
 * The logical volumes of the PVs found in an image: each as a byte range of the file when it is one
 * contiguous linear run of extents on one PV.
 */
export function lvmLayout(pvs: readonly PhysicalVolume[]): LvmLayout {
  const layout: LvmLayout = { volumes: [], unsupported: [], incomplete: [] };
  const byUuid = new Map(pvs.map((p) => [p.uuid, p]));
  // one VG per metadata text; the same VG's text is on each of its PVs (the highest seqno wins)
  const groups = new Map<string, { seqno: number; vg: MetaSection }>();
  for (const pv of pvs) {
    if (!pv.metadata) continue;
    const top = parseMetadata(pv.metadata);
    for (const [name, v] of Object.entries(top)) {
      if (!isSection(v) || !isSection(v.physical_volumes)) continue;
      const seqno = typeof v.seqno === 'number' ? v.seqno : 0;
      const had = groups.get(name);
      if (!had || seqno > had.seqno) groups.set(name, { seqno, vg: v });
    }
  }
  for (const [vgName, { vg }] of groups) {
    const extentBytes = Number(vg.extent_size) * SECTOR;
    const pvSections = vg.physical_volumes as MetaSection;
    const located = new Map<string, { pv: PhysicalVolume; peStart: number }>();
    let missing = false;
    for (const [pvName, p] of Object.entries(pvSections)) {
      if (!isSection(p)) continue;
      const found = byUuid.get(dashless(String(p.id)));
      if (found) located.set(pvName, { pv: found, peStart: Number(p.pe_start) * SECTOR });
      else missing = true;
    }
    if (missing) layout.incomplete.push(vgName);
    const lvs = isSection(vg.logical_volumes) ? vg.logical_volumes : {};
    for (const [lvName, lv] of Object.entries(lvs)) {
      if (!isSection(lv)) continue;
      const status = Array.isArray(lv.status) ? lv.status.map(String) : [];
      if (!status.includes('VISIBLE')) continue; // pool metadata, mirror legs, snapshots' COW: parts of others
      const why = (reason: string) => layout.unsupported.push({ vg: vgName, name: lvName, why: reason });
      const segments = Object.values(lv).filter(isSection).sort((a, b) => Number(a.start_extent) - Number(b.start_extent));
      if (!segments.length) {
        why('no segments');
        continue;
      }
      let place: { pvName: string; firstPe: number } | undefined;
      let extents = 0;
      let ok = true;
      for (const seg of segments) {
        const stripes = Array.isArray(seg.stripes) ? seg.stripes : [];
        if (seg.type !== 'striped' || Number(seg.stripe_count) !== 1 || stripes.length !== 2) {
          why(`a ${seg.type === 'striped' ? `${seg.stripe_count}-way striped` : String(seg.type)} volume; only linear ones are read without device-mapper`);
          ok = false;
          break;
        }
        const [pvName, pe] = [String(stripes[0]), Number(stripes[1])];
        if (Number(seg.start_extent) !== extents) {
          why('its segments leave gaps in its extents');
          ok = false;
          break;
        }
        if (!place) place = { pvName, firstPe: pe };
        else if (place.pvName !== pvName || place.firstPe + extents !== pe) {
          why('not one contiguous run of extents on one PV');
          ok = false;
          break;
        }
        extents += Number(seg.extent_count);
      }
      if (!ok || !place) continue;
      const where = located.get(place.pvName);
      if (!where) {
        why(`its PV (${place.pvName}) is not in this image`);
        continue;
      }
      layout.volumes.push({
        vg: vgName,
        name: lvName,
        offset: where.pv.offset + where.peStart + place.firstPe * extentBytes,
        size: extents * extentBytes,
      });
    }
  }
  return layout;
}

/** The names an fstab may use for a volume: /dev/VG/LV and /dev/mapper/VG-LV (dashes doubled). */
export function volumeDeviceNames(v: Pick<LogicalVolume, 'vg' | 'name'>): string[] {
  const dm = `${v.vg.replace(/-/g, '--')}-${v.name.replace(/-/g, '--')}`;
  return [`/dev/${v.vg}/${v.name}`, `/dev/mapper/${dm}`];
}
