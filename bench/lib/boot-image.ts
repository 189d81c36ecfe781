/**
 * A bootable raw image of a root, made for QEMU: the root is changed in a private overlay (the
 * source stays as it is), then written to an ext4 image beside a copy of its kernel and initrd, in a
 * new directory under the scratch directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildImage } from '../../test/fixtures/disk-image.js';
import { overlayRoot } from '../../test/fixtures/used-root.js';
import { findKernel } from '../../test/harness/qemu.js';
import { assertScratch } from './chroot.js';
import { disposing } from './process.js';
import { WORK_DIR } from './settings.js';

export interface BootImage {
  dir: string;
  /** the pristine image; each boot gets a sparse copy */
  image: string;
  kernel: string;
  initrd: string;
  prepareSeconds: number;
}

/** `customize` changes the root (an overlay on `lower`) and may leave files in `dir`. */
export function prepareBootImage(label: string, lower: string, customize: (root: string, dir: string) => void, headroomMiB = 400): BootImage {
  const started = Date.now();
  fs.mkdirSync(WORK_DIR, { recursive: true });
  const dir = fs.mkdtempSync(path.join(WORK_DIR, `${label}-`));
  const view = overlayRoot(lower, `${label}-root`);
  return disposing(
    () => view.dispose(),
    () => {
      assertScratch(view.root);
      customize(view.root, dir);
      const k = findKernel(view.root);
      fs.copyFileSync(k.kernel, path.join(dir, 'vmlinuz'));
      fs.copyFileSync(k.initrd, path.join(dir, 'initrd.img'));
      const image = buildImage(view.root, path.join(dir, 'pristine.raw'), { headroomMiB });
      return { dir, image, kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img'), prepareSeconds: (Date.now() - started) / 1000 };
    },
  );
}
