/** One site as FileZilla 3's Site Manager writes it. */
export interface FileZillaServer {
  name: string;
  host: string;
  port: number;
  /** FileZilla's ServerProtocol: 0 FTP (TLS if offered), 1 SFTP, 3 implicit FTPS, 4 explicit FTPS, 6 plain FTP, 7 S3… */
  protocol: number;
  user: string;
  password?: string;
  /** 0 anonymous, 1 normal, 2 ask, 3 interactive, 5 key file. */
  logontype?: number;
  keyfile?: string;
  remoteDir?: string[];
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function serverXml(s: FileZillaServer, indent: string): string {
  const remote = s.remoteDir ? `1 0 ${s.remoteDir.map((segment) => `${segment.length} ${segment}`).join(' ')}` : '';
  return [
    `${indent}<Server>`,
    `${indent}  <Host>${escape(s.host)}</Host>`,
    `${indent}  <Port>${s.port}</Port>`,
    `${indent}  <Protocol>${s.protocol}</Protocol>`,
    `${indent}  <Type>0</Type>`,
    `${indent}  <User>${escape(s.user)}</User>`,
    s.password !== undefined ? `${indent}  <Pass encoding="base64">${Buffer.from(s.password, 'utf8').toString('base64')}</Pass>` : '',
    s.keyfile ? `${indent}  <Keyfile>${escape(s.keyfile)}</Keyfile>` : '',
    `${indent}  <Logontype>${s.logontype ?? 1}</Logontype>`,
    `${indent}  <PasvMode>MODE_DEFAULT</PasvMode>`,
    `${indent}  <EncodingType>Auto</EncodingType>`,
    `${indent}  <BypassProxy>0</BypassProxy>`,
    `${indent}  <Name>${escape(s.name)}</Name>`,
    `${indent}  <RemoteDir>${remote}</RemoteDir>`,
    `${indent}  <SyncBrowsing>0</SyncBrowsing>`,
    `${indent}  <DirectoryComparison>0</DirectoryComparison>`,
    `${indent}</Server>`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** A Site Manager export (File > Export) with sites at the top and in folders, as FileZilla 3.6x writes it. */
export function fileZillaExport(top: FileZillaServer[], folders: Record<string, FileZillaServer[]> = {}): string {
  const folderXml = Object.entries(folders).map(([name, servers]) => [`    <Folder expanded="1">${escape(name)}`, ...servers.map((s) => serverXml(s, '      ')), '    </Folder>'].join('\n'));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<FileZilla3 version="3.66.4" platform="windows">',
    '  <Servers>',
    ...top.map((s) => serverXml(s, '    ')),
    ...folderXml,
    '  </Servers>',
    '</FileZilla3>',
    '',
  ].join('\n');
}
