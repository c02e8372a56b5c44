/** The S3 destination form of the wizard: providers' usual settings, the location it makes, and its problems. */
export type S3ProviderId = 'aws' | 'b2' | 'wasabi' | 'r2' | 'minio';

export interface S3Provider {
  id: S3ProviderId;
  label: string;
  /** What goes in Endpoint (empty for AWS). */
  endpointPlaceholder: string;
  regionPlaceholder: string;
  /** Where the user finds the values, in the provider's own words. */
  help: string;
  pathStyle: boolean;
}

export const S3_PROVIDERS: readonly S3Provider[] = [
  {
    id: 'aws',
    label: 'Amazon S3',
    endpointPlaceholder: 'leave empty for AWS',
    regionPlaceholder: 'eu-central-1',
    pathStyle: false,
    help: 'The bucket’s region is on its page in the S3 console; the keys are an IAM user’s access keys.',
  },
  {
    id: 'b2',
    label: 'Backblaze B2',
    endpointPlaceholder: 'https://s3.us-west-004.backblazeb2.com',
    regionPlaceholder: 'us-west-004',
    pathStyle: false,
    help: 'The endpoint is on the bucket’s page; the region is its middle part (s3.REGION.backblazeb2.com). Keys: Application Keys (the keyID is the access key ID).',
  },
  {
    id: 'wasabi',
    label: 'Wasabi',
    endpointPlaceholder: 'https://s3.eu-central-1.wasabisys.com',
    regionPlaceholder: 'eu-central-1',
    pathStyle: false,
    help: 'Use the endpoint of the bucket’s region (s3.REGION.wasabisys.com). Keys: Access Keys in the Wasabi console.',
  },
  {
    id: 'r2',
    label: 'Cloudflare R2',
    endpointPlaceholder: 'https://ACCOUNT_ID.r2.cloudflarestorage.com',
    regionPlaceholder: 'auto',
    pathStyle: false,
    help: 'The endpoint holds your account ID; the region is auto. Keys: R2 → Manage API tokens.',
  },
  {
    id: 'minio',
    label: 'MinIO or another S3-compatible server',
    endpointPlaceholder: 'https://minio.office.lan:9000',
    regionPlaceholder: 'us-east-1',
    pathStyle: true,
    help: 'Most self-hosted servers want path-style addressing. A certificate of your own CA needs its CA file (Advanced).',
  },
];

export interface S3Form {
  provider: S3ProviderId;
  name: string;
  endpoint: string;
  region: string;
  bucket: string;
  /** The folder inside the bucket. */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  pathStyle: boolean;
  storageClass: string;
  caFile: string;
  timeoutSeconds: number;
  maxRetries: number;
  maxConnections: number;
}

export function emptyS3Form(): S3Form {
  return {
    provider: 'aws',
    name: '',
    endpoint: '',
    region: '',
    bucket: '',
    prefix: 'sitevault',
    accessKeyId: '',
    secretAccessKey: '',
    pathStyle: false,
    storageClass: '',
    caFile: '',
    timeoutSeconds: 30,
    maxRetries: 5,
    maxConnections: 0,
  };
}

export function providerOf(form: Pick<S3Form, 'provider'>): S3Provider {
  return S3_PROVIDERS.find((p) => p.id === form.provider) ?? S3_PROVIDERS[0]!;
}

/** `s3://bucket/folder`, each folder name encoded. */
export function s3Url(form: Pick<S3Form, 'bucket' | 'prefix'>): string {
  const folders = form.prefix
    .split('/')
    .map((part) => part.trim())
    .filter(Boolean)
    .map(encodeURIComponent);
  return `s3://${form.bucket.trim()}${folders.length ? `/${folders.join('/')}` : ''}`;
}

/** The settings destination:save and destination:test take (the secret key travels on its own). */
export function s3Settings(form: S3Form) {
  return { endpoint: form.endpoint.trim(), region: form.region.trim(), pathStyle: form.pathStyle, accessKeyId: form.accessKeyId.trim(), storageClass: form.storageClass.trim() };
}

/** What a Test checked: any change afterwards needs another Test before saving. */
export function testedKey(form: S3Form): string {
  return JSON.stringify([s3Url(form), s3Settings(form), form.secretAccessKey, form.caFile.trim(), form.timeoutSeconds]);
}

// AWS's rules for new buckets, which every S3-compatible service accepts (the core checks them too).
const BUCKET = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** What is wrong with the form, field by field, checked as the user types. */
export function s3Problems(form: S3Form): Partial<Record<keyof S3Form, string>> {
  const problems: Partial<Record<keyof S3Form, string>> = {};
  const name = form.name.trim();
  if (!name) problems.name = 'A name is required.';
  else if (name.length > 40) problems.name = `At most 40 characters (this one has ${name.length}).`;
  else if (/[/\\]/.test(name)) problems.name = 'A name cannot contain slashes.';
  const endpoint = form.endpoint.trim();
  if (endpoint && !/^https?:\/\/[^/\s@]+\/?$/.test(endpoint)) problems.endpoint = 'An address like https://host or https://host:port, nothing after it.';
  else if (!endpoint && form.provider !== 'aws') problems.endpoint = `${providerOf(form).label} needs its endpoint.`;
  if (form.region.trim() && !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(form.region.trim())) problems.region = 'Lower-case letters, digits and - only (for example eu-central-1).';
  if (!form.bucket.trim()) problems.bucket = 'The bucket is required (create it in your provider’s console first).';
  else if (!BUCKET.test(form.bucket.trim())) problems.bucket = '3 to 63 lower-case letters, digits, dots and hyphens.';
  if (form.prefix.split('/').some((part) => part === '.' || part === '..' || part.includes('\\'))) problems.prefix = 'No “.”, “..” or backslashes.';
  if (!form.accessKeyId.trim()) problems.accessKeyId = 'The access key ID is required.';
  else if (/\s/.test(form.accessKeyId.trim())) problems.accessKeyId = 'An access key ID has no spaces.';
  if (!form.secretAccessKey) problems.secretAccessKey = 'The secret access key is required.';
  if (form.storageClass.trim() && !/^[A-Z0-9_]{1,40}$/.test(form.storageClass.trim())) problems.storageClass = 'Upper-case letters, digits and _ (for example STANDARD_IA), or empty.';
  if (!Number.isInteger(form.timeoutSeconds) || form.timeoutSeconds < 1) problems.timeoutSeconds = 'At least 1 second.';
  if (!Number.isInteger(form.maxRetries) || form.maxRetries < 0) problems.maxRetries = 'A whole number, 0 or more.';
  if (!Number.isInteger(form.maxConnections) || form.maxConnections < 0) problems.maxConnections = 'A whole number; 0 means unlimited.';
  return problems;
}

/** The form of a saved S3 destination (the secret access key stays in the keychain: empty). */
export function s3FormFromSettings(
  name: string,
  url: string,
  s3: { endpoint: string; region: string; pathStyle: boolean; accessKeyId: string; storageClass: string },
  settings: { caFile?: string | null; timeoutSeconds?: number; maxRetries?: number; maxConnections?: number } = {},
): S3Form {
  const base = emptyS3Form();
  const [bucket = '', ...folders] = url.replace(/^s3:\/\//i, '').split('/');
  const endpoint = s3.endpoint.toLowerCase();
  const provider: S3ProviderId = !endpoint ? 'aws' : endpoint.includes('backblazeb2.com') ? 'b2' : endpoint.includes('wasabisys.com') ? 'wasabi' : endpoint.includes('r2.cloudflarestorage.com') ? 'r2' : 'minio';
  return {
    ...base,
    provider,
    name,
    endpoint: s3.endpoint,
    region: s3.region,
    bucket,
    prefix: folders.map(decodeURIComponent).join('/'),
    accessKeyId: s3.accessKeyId,
    pathStyle: s3.pathStyle,
    storageClass: s3.storageClass,
    caFile: settings.caFile ?? '',
    timeoutSeconds: settings.timeoutSeconds ?? base.timeoutSeconds,
    maxRetries: settings.maxRetries ?? base.maxRetries,
    maxConnections: settings.maxConnections ?? base.maxConnections,
  };
}
