/**
 * Namespace URIs of the MS-WSUSSS update metadata document (ms-wsusss.md §3.1), with the prefixes
 * real documents bind them to. The reader matches URIs only; the writer uses these prefixes so its
 * output looks like what Microsoft Update serves.
 */
export const NS = Object.freeze({
  upd: 'http://schemas.microsoft.com/msus/2002/12/Update',
  pub: 'http://schemas.microsoft.com/msus/2002/12/Publishing',
  cat: 'http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/Category',
  bar: 'http://schemas.microsoft.com/msus/2002/12/BaseApplicabilityRules',
  lar: 'http://schemas.microsoft.com/msus/2002/12/LogicalApplicabilityRules',
  cmd: 'http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/CommandLineInstallation',
  cbs: 'http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/Cbs',
  msp: 'http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/WindowsInstaller',
  drv: 'http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/WindowsDriver',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const);

export type NsPrefix = keyof typeof NS;
