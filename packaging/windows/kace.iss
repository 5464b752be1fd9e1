; Inno Setup 6.3+ script for 卡册 (Kace): installs the PyInstaller one-folder build dist\kace\.
; Built by packaging\windows\build-windows.ps1, or by hand from the repository root:
;   ISCC.exe /DAppVersion=0.1.0 packaging\windows\kace.iss
; Optional: /DZhIsl=C:\path\ChineseSimplified.isl when the Inno Setup installation has no Chinese wizard texts.
;
; The user's data: the settings (kace.ini) and the log live in the platformdirs user data folder, {localappdata}\kace;
; the database and its daily backups (backups\) live there too unless the first-run wizard put the database in another
; folder (kace.ini, [files] database=...). The installer never writes there and the uninstaller KEEPS both: no
; delete entry below names them, and the uninstaller's last message names the folders it left (read at run time with
; ExpandConstant and kace.ini, never a literal environment variable).

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
zh.CliShortcut=卡册命令行（kace-cli，管理员维护用）
zh.UninstallShortcut=卸载卡册
zh.DataKept=卡册已卸载。%n%n您的数据（数据库、备份、日志和设置）没有删除，仍保留在：%n%1%n%n重新安装卡册后会自动继续使用这些数据。如确定不再需要，请先另行备份，再手动删除。
zh.DataDatabase=%1（数据库和每日备份）
zh.DataSettings=%1（设置和日志）

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; An upgrade replaces the whole bundle: no module of the previous version may linger beside the new one.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "{cm:AppComment}"
; The command-line prompt: kace-cli on its PATH, started in the user's Documents (relative paths such as
; `kace-cli backup --out 备份.db` must not point into Program Files, which the user cannot write).
Name: "{autoprograms}\{#AppName}\{cm:CliShortcut}"; Filename: "{cmd}"; Parameters: "/k ""set ""PATH={app};%PATH%"" && {#CliExe} --help"""; WorkingDir: "{userdocs}"; IconFilename: "{app}\{#CliExe}"
Name: "{autoprograms}\{#AppName}\{cm:UninstallShortcut}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "{cm:AppComment}"; Tasks: desktopicon

[Run]
; runasoriginaluser: the first start must create the data folder of the person who installed, not of the elevated
; administrator account.
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchApp}"; Flags: nowait postinstall skipifsilent runasoriginaluser

[UninstallDelete]
; Only the program folder itself (when empty). The user data folder is deliberately NOT listed: the data stays.
Type: dirifempty; Name: "{app}"

[Code]
// The user data folder of platformdirs (app/paths.py): {localappdata}\kace.
function KaceDataDir: String;
begin
  Result := ExpandConstant('{localappdata}\kace');
end;

// The database the first-run wizard put elsewhere: kace.ini (QSettings' INI, UTF-8), [files] database=...,
// quoted when it holds special characters, with backslashes doubled. '' when it is the default one.
function RememberedDatabase: String;
var
  Lines: TArrayOfString;
  I: Integer;
  InFiles: Boolean;
  Line: String;
begin
  Result := '';
  if not LoadStringsFromFile(KaceDataDir + '\kace.ini', Lines) then
    Exit;
  InFiles := False;
  for I := 0 to GetArrayLength(Lines) - 1 do
  begin
    Line := Trim(Lines[I]);
    if (Length(Line) > 0) and (Line[1] = '[') then
      InFiles := CompareText(Line, '[files]') = 0
    else if InFiles and (CompareText(Copy(Line, 1, 9), 'database=') = 0) then
    begin
      Result := Trim(Copy(Line, 10, Length(Line)));
      if (Length(Result) >= 2) and (Result[1] = '"') and (Result[Length(Result)] = '"') then
        Result := Copy(Result, 2, Length(Result) - 2);
      StringChangeEx(Result, '\\', '\', True);
    end;
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Where, Database: String;
begin
  if (CurUninstallStep = usPostUninstall) and (not UninstallSilent) then
  begin
    Where := KaceDataDir;
    Database := RememberedDatabase;
    if Database <> '' then
      Where := FmtMessage(CustomMessage('DataDatabase'), [ExtractFileDir(Database)]) + #13#10 +
               FmtMessage(CustomMessage('DataSettings'), [KaceDataDir]);
    MsgBox(FmtMessage(CustomMessage('DataKept'), [Where]), mbInformation, MB_OK);
  end;
end;
