// Whether a path names a file this process may execute: how the suite finds the external load tools it runs.
import { accessSync, constants } from 'node:fs';

export const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
