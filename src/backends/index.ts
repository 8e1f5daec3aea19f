export { useBackend, describeBackend, detectPlatform, backendFromEnvironment } from './select';
export type { BackendDescription, SkippedBackend, RequestSource } from './select';
export { BACKEND_NAMES, PREFERENCE, parseBackendRequest, isBackendRequest } from './names';
export type { BackendName, BackendRequest, Platform } from './names';
export { BackendUnavailableError } from './errors';
export type { BackendOptions } from './types';
