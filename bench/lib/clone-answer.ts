/**
 * The answer file the first-boot benchmarks of a clone use: host name, time zone, locale and keyboard
 * in specialize; one administrator account and root's password in oobeSystem. One shape for the image's
 * own file and for a per-clone file, so that only where the file comes from differs.
 */
const COMPONENT = (name: string, body: string) =>
  `<component name="${name}" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">${body}</component>`;

export const cloneAnswerFile = (name: string, password: string): string =>
  `<?xml version="1.0" encoding="utf-8"?>\n<unattend xmlns="urn:schemas-microsoft-com:unattend">\n` +
  `  <settings pass="specialize">${COMPONENT('Microsoft-Windows-Shell-Setup', `<ComputerName>${name}</ComputerName><TimeZone>W. Europe Standard Time</TimeZone>`)}` +
  `${COMPONENT('Microsoft-Windows-International-Core', '<InputLocale>0409:00000409</InputLocale><SystemLocale>en-US</SystemLocale><UILanguage>en-US</UILanguage><UserLocale>en-US</UserLocale>')}</settings>\n` +
  `  <settings pass="oobeSystem">${COMPONENT('Microsoft-Windows-Shell-Setup',
    `<UserAccounts><AdministratorPassword><Value>${password}</Value><PlainText>true</PlainText></AdministratorPassword>` +
    `<LocalAccounts><LocalAccount wcm:action="add"><Name>deploy</Name><Group>Administrators</Group>` +
    `<Password><Value>${password}</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>` +
    '<OOBE><HideEULAPage>true</HideEULAPage></OOBE>')}</settings>\n</unattend>\n`;

/** qemu's arguments handing `file` to the guest as the systemd credential sysprep.unattend (SMBIOS type 11). */
export const smbiosCredential = (file: string): string[] =>
  ['-smbios', `type=11,value=io.systemd.credential.binary:sysprep.unattend=${Buffer.from(file).toString('base64')}`];
