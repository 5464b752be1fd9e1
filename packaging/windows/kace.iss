; Inno Setup 6.3+ script for 卡册 (Kace): installs the PyInstaller one-folder build dist\kace\.
; Built by packaging\windows\build-windows.ps1, or by hand from the repository root:
;   ISCC.exe /DAppVersion=0.1.0 packaging\windows\kace.iss
; Optional: /DZhIsl=C:\path\ChineseSimplified.isl when the Inno Setup installation has no Chinese wizard texts.
;
; The user's data lives in the platformdirs user data folder, %LOCALAPPDATA%\kace (kace.db, backups, kace.log,
; settings). The installer never writes there and the uninstaller KEEPS it: no line below names that folder.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef DistDir
  #define DistDir "..\..\dist\kace"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#define AppName "卡册"
#define AppExe "kace.exe"
#define CliExe "kace-cli.exe"

[Setup]
; AppId identifies the program for upgrades and the uninstaller: never change it.
AppId={{ACE1F40F-3FE7-4C35-A652-A005F4A3AF6C}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=卡册 Kace
AppComments=建档立卡贫困户户卡与村册管理（离线桌面程序）
VersionInfoVersion={#AppVersion}
VersionInfoDescription={#AppName} 安装程序
DefaultDirName={autopf}\Kace
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
OutputDir={#OutputDir}
OutputBaseFilename=kace-setup-{#AppVersion}
SetupIconFile=..\..\resources\kace.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
; PySide6 6.12 (Qt 6) runs on 64-bit Windows 10 1809 and later.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
; Installed once per laptop into Program Files by the county IT person; a per-user install can be chosen.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog commandline
WizardStyle=modern
ShowLanguageDialog=no
; A running 卡册 is closed (Restart Manager) before its files are replaced.
CloseApplications=yes
RestartApplications=no
SetupLogging=yes

[Languages]
#ifdef ZhIsl
Name: "zh"; MessagesFile: "{#ZhIsl}"
#elif FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#else
  #pragma warning "Languages\ChineseSimplified.isl is not in this Inno Setup: the wizard's standard buttons stay English (the texts of this script are Chinese). See packaging/README.md."
Name: "zh"; MessagesFile: "compiler:Default.isl"
#endif

[CustomMessages]
zh.DesktopIcon=在桌面创建“卡册”快捷方式(&D)
zh.AdditionalIcons=快捷方式：
zh.LaunchApp=立即运行卡册
zh.AppComment=建档立卡户卡与村册管理
zh.CliShortcut=卡册命令行（管理员维护用）
zh.UninstallShortcut=卸载卡册
zh.DataKept=卡册已卸载。%n%n您的数据（数据库、备份、日志和设置）没有删除，仍保留在：%n%1%n（即 C:\Users\用户名\AppData\Local\kace）%n%n重新安装卡册后会自动继续使用这些数据。如确定不再需要，请先另行备份，再手动删除该文件夹。

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; An upgrade replaces the whole bundle: no module of the previous version may linger beside the new one.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "{cm:AppComment}"
Name: "{autoprograms}\{#AppName}\{cm:CliShortcut}"; Filename: "{cmd}"; Parameters: "/k {#CliExe} --help"; WorkingDir: "{app}"; IconFilename: "{app}\{#CliExe}"
Name: "{autoprograms}\{#AppName}\{cm:UninstallShortcut}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "{cm:AppComment}"; Tasks: desktopicon

[Run]
; runasoriginaluser: the first start must create the data folder of the person who installed, not of the elevated
; administrator account.
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchApp}"; Flags: nowait postinstall skipifsilent runasoriginaluser

[UninstallDelete]
; Only the program folder itself (when empty). %LOCALAPPDATA%\kace is deliberately NOT listed: the data stays.
Type: dirifempty; Name: "{app}"

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and (not UninstallSilent) then
    MsgBox(FmtMessage(CustomMessage('DataKept'), ['%LOCALAPPDATA%\kace']), mbInformation, MB_OK);
end;
