import type { InferenceSession } from 'onnxruntime-node';

/**
 * onnxruntime session options that make a model created from bytes find its external-data files in
 * `dir` (`session.model_external_initializers_file_folder_path`); empty without a folder.
 */
export function externalDataOptions(dir: string | undefined): InferenceSession.SessionOptions {
  return dir ? { extra: { session: { model_external_initializers_file_folder_path: dir } } } : {};
}
