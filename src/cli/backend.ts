import { useBackend, describeBackend, parseBackendRequest } from '../backends';

/** Starts the backend the user asked for (or the best that starts) and names it for the log. */
export async function startBackend(requested: string | boolean | undefined): Promise<string> {
  const request = typeof requested === 'string' ? parseBackendRequest(requested, '--backend') : undefined;
  await useBackend(request);
  return describeBackend().name;
}
