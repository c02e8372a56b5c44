import { describe } from 'vitest';
import { MemoryBackend } from '../../src-main/core/backends/memory-backend';
import { backendConformance } from '../helpers/backend-conformance';

// The same conformance suite the local folder, SFTP and FTP(S) backends pass against real servers.
describe('backend conformance: memory', () => backendConformance(() => new MemoryBackend()));
