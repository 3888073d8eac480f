import { readAll } from './ioUtil.js';
import { parseTorchCheckpoint, type TorchCheckpoint } from './parseTorchCheckpoint.js';

/**
 * Read a PyTorch checkpoint file (`.pth`, `.pt`, `.pth.tar`, `.bin`, `.ckpt`) without PyTorch (see {@link parseTorchCheckpoint}).
 * @param path The file.
 * @returns The saved object with its tensors, the format and byte order.
 * @throws VitIoError naming `path`: unreadable (`VIT_IO_READ`) or refused (see {@link parseTorchCheckpoint}).
 * @example const { value } = await readTorchCheckpoint('mae_pretrain_vit_base.pth'); // { model: { cls_token: { tensor, dtype }, … } }
 */
export async function readTorchCheckpoint(path: string): Promise<TorchCheckpoint> {
  return parseTorchCheckpoint(await readAll(path, 'readTorchCheckpoint'), path);
}
