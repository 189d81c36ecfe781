/**
 * Names of the Windows answer-file components, so that `unattend check` can tell a real Windows component
 * that has no meaning on Linux (a warning: ignored on Linux) from a name no Windows release knows (an error,
 * usually a typo). Taken from the table of contents of Microsoft's "Unattended Windows Setup Reference"
 * (MicrosoftDocs commercialization-public, customize/desktop/unattend/TOC.md, Windows 10 1709), plus
 * components of older releases that real answer files still carry (Windows 7 / 8 era). Matching ignores case.
 *
 * For the components sysprep models (schema.ts), WINDOWS_ONLY_SETTINGS lists the other top-level settings
 * that component has on Windows: they are reported as ignored on Linux rather than as unknown.
 */

export const WINDOWS_COMPONENTS: readonly string[] = [
  // Windows 10 1709 reference
  'Microsoft-Windows-Audio-AudioCore',
  'Microsoft-Windows-Audio-VolumeControl',
  'Microsoft-Windows-BLB-WSB-Online-Main',
  'Microsoft-Windows-BrowserService',
  'Microsoft-Windows-CoreMmRes',
  'Microsoft-Windows-Deployment',
  'Microsoft-Windows-DeviceAccess',
  'Microsoft-Windows-DeviceGuard-Unattend',
  'Microsoft-Windows-DiagCpl',
  'Microsoft-Windows-Disk-Failure-Diagnostic-Module',
  'Microsoft-Windows-DNS-Client',
  'Microsoft-Windows-Embedded-BootExp',
  'Microsoft-Windows-Embedded-EmbeddedLogon',
  'Microsoft-Windows-Embedded-KeyboardFilterService',
  'Microsoft-Windows-Embedded-ShellLauncher',
  'Microsoft-Windows-Embedded-UnifiedWriteFilter',
  'Microsoft-Windows-EnhancedStorage-Adm',
  'Microsoft-Windows-ErrorReportingCore',
  'Microsoft-Windows-Fax-Service',
  'Microsoft-Windows-GPIOButtons',
  'Microsoft-Windows-HelpAndSupport',
  'Microsoft-Windows-IE-ClientNetworkProtocolImplementation',
  'Microsoft-Windows-IE-ESC',
  'Microsoft-Windows-IE-InternetExplorer',
  'Microsoft-Windows-International-Core',
  'Microsoft-Windows-International-Core-WinPE',
  'Microsoft-Windows-LUA-Settings',
  'Microsoft-Windows-MapControl-Desktop',
  'Microsoft-Windows-MediaPlayer-Core',
  'Microsoft-Windows-MobilePC-Sensors-API',
  'Microsoft-Windows-NetBT',
  'Microsoft-Windows-NetworkBridge',
  'Microsoft-Windows-NetworkLoadBalancing-Core',
  'Microsoft-Windows-OutOfBoxExperience',
  'Microsoft-Windows-PartitionManager',
  'Microsoft-Windows-PnpCustomizationsNonWinPE',
  'Microsoft-Windows-PnpCustomizationsWinPE',
  'Microsoft-Windows-PnpSysprep',
  'Microsoft-Windows-powercpl',
  'Microsoft-Windows-Printing-Spooler-Core',
  'Microsoft-Windows-RasServer',
  'Microsoft-Windows-RemoteAssistance-Exe',
  'Microsoft-Windows-SecureStartup-FilterDriver',
  'Microsoft-Windows-Security-SPP',
  'Microsoft-Windows-Security-SPP-UX',
  'Microsoft-Windows-Security-SPP-UX-SPPCC',
  'Microsoft-Windows-ServerManager-SvrMgrNc',
  'Microsoft-Windows-Setup',
  'Microsoft-Windows-SharedAccess',
  'Microsoft-Windows-Shell-Setup',
  'Microsoft-Windows-shwebsvc',
  'Microsoft-Windows-SMBServer',
  'Microsoft-Windows-SNMP-Agent-Service',
  'Microsoft-Windows-SQMAPI',
  'Microsoft-Windows-stobject',
  'Microsoft-Windows-StorPort-RegistrySettings',
  'Microsoft-Windows-SystemMaintenanceService',
  'Microsoft-Windows-SystemRestore-Main',
  'Microsoft-Windows-SystemSettings',
  'Microsoft-Windows-TabletPC-Platform-Input-Core',
  'Microsoft-Windows-TapiSetup',
  'Microsoft-Windows-TCPIP',
  'Microsoft-Windows-TerminalServices-CentralPublishing',
  'Microsoft-Windows-TerminalServices-LicenseServer',
  'Microsoft-Windows-TerminalServices-LocalSessionManager',
  'Microsoft-Windows-TerminalServices-Publishing-WMIProvider',
  'Microsoft-Windows-TerminalServices-RDP-WinStationExtensions',
  'Microsoft-Windows-TerminalServices-RemoteConnectionManager',
  'Microsoft-Windows-Tpm-Tasks',
  'Microsoft-Windows-TwinUI',
  'Microsoft-Windows-UnattendedJoin',
  'Microsoft-Windows-WDF-Kernel-Library',
  'Microsoft-Windows-WiFiNetworkManager',
  'Microsoft-Windows-WinRE-RecoveryAgent',
  'Microsoft-Windows-Wlansvc',
  'Microsoft-Windows-WorkstationService',
  'Microsoft-Windows-WPD-BusEnumService',
  'Microsoft-Windows-WwanUI',
  'Networking-MPSSVC-Svc',
  'Security-Malware-Windows-Defender',
  // Older releases, still found in real answer files
  'Microsoft-Windows-Security-Licensing-SLC',
  'Microsoft-Windows-Security-Licensing-SLC-UX',
  'Microsoft-Windows-SystemSettingsThreshold',
  'Microsoft-Windows-Sidebar',
  'Microsoft-Windows-Web-Services-for-Management-Core',
  'Microsoft-Windows-RemoteAssistance',
  'Microsoft-Windows-WindowsMediaPlayer',
];

/** Top-level Windows settings of the modelled components that sysprep does not model (ignored on Linux). */
export const WINDOWS_ONLY_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  'microsoft-windows-shell-setup': [
    'BluetoothTaskbarIconEnabled', 'ConvertibleSlateModePromptPreference', 'DesktopOptimization',
    'DisableAutoDaylightTimeSet', 'Display', 'EnableStartMenu', 'FolderLocations', 'LogonCommands',
    'NotificationArea', 'OEMInformation', 'OEMName', 'OfflineUserAccounts', 'ShowPowerButtonOnStartScreen',
    'SignInMode', 'StartTiles', 'TaskbarLinks', 'Themes', 'VisualEffects', 'WindowsFeatures',
    // Windows 7 / 8 settings later removed from the reference
    'ShowWindowsLive', 'DoNotCleanTaskBar', 'StartPanelOff', 'TaskbarLinks',
  ],
};

const COMPONENT_SET = new Set(WINDOWS_COMPONENTS.map((c) => c.toLowerCase()));

export function isWindowsComponent(name: string): boolean {
  return COMPONENT_SET.has(name.toLowerCase());
}
