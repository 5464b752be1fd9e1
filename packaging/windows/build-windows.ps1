<#
.SYNOPSIS
    Build the Windows package of 卡册 (Kace): PyInstaller one-folder (dist\kace\) and the Inno Setup installer
    (dist\kace-setup-VERSION.exe).

.DESCRIPTION
    Run from any folder, on 64-bit Windows 10/11 with Python 3.11 (x64, python.org or `winget install
    Python.Python.3.11`) and Inno Setup 6.3 or later (`winget install JRSoftware.InnoSetup`):

        powershell -ExecutionPolicy Bypass -File packaging\windows\build-windows.ps1

    Steps: a venv in .venv (created when missing), the hash-checked lock requirements\package.txt (the program, its
    demo and pyinstaller) and the project itself (`pip install --no-deps -e .`), PyInstaller with packaging\kace.spec (the same spec as on Linux), a short smoke test of the
    built kace-cli.exe (version, help, demo, stats, backup to and restore from a folder named like
    "扶贫 资料\1#楼 100%", print, screenshot), then ISCC.exe on packaging\windows\kace.iss. See packaging\README.md.

.PARAMETER Python
    The Python 3.11 used to create the venv (default: `py -3.11`, else python.exe on PATH).

.PARAMETER Iscc
    Path of ISCC.exe (default: found on PATH or in the usual Inno Setup 6 folders).

.PARAMETER ZhIsl
    A ChineseSimplified.isl to use when the Inno Setup installation has none in its Languages folder.

.PARAMETER SkipSmoke
    Do not run the built program before making the installer.

.PARAMETER SkipInstaller
    Stop after PyInstaller (no Inno Setup needed).

.PARAMETER AllowEnglishWizard
    Build the installer even without Chinese wizard texts (the buttons of the wizard would be English).
#>
[CmdletBinding()]
param(
    [string]$Python = "",
    [string]$Iscc = "",
    [string]$ZhIsl = "",
    [switch]$SkipSmoke,
    [switch]$SkipInstaller,
    [switch]$AllowEnglishWizard
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest
$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
Set-Location $Root

function Step([string]$Text) { Write-Host "== $Text" -ForegroundColor Cyan }
function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

# --- 1. venv -----------------------------------------------------------------------------------------------------
$VenvPython = Join-Path $Root ".venv\Scripts\python.exe"
if (-not (Test-Path $VenvPython)) {
    Step "creating .venv"
    if ($Python) {
        $parts = $Python -split " "
        Invoke-Checked $parts[0] (@($parts | Select-Object -Skip 1) + @("-m", "venv", ".venv"))
    } elseif (Get-Command py -ErrorAction SilentlyContinue) {
        Invoke-Checked "py" @("-3.11", "-m", "venv", ".venv")
    } else {
        Invoke-Checked "python" @("-m", "venv", ".venv")
    }
}
$PyVersion = & $VenvPython -c "import sys; print('%d.%d' % sys.version_info[:2])"
if ($PyVersion -ne "3.11") { throw ".venv has Python $PyVersion; Kace is built with Python 3.11 (delete .venv and use -Python)" }

# --- 2. the project with the build extra -------------------------------------------------------------------------
# requirements\package.txt is a universal lock (scripts/lock.sh): it holds the Windows-only packages (pefile,
# pywin32-ctypes, tzdata...) under their markers and the hashes of the Windows wheels, so pip installs exactly what
# the Linux build installs, hash-checked; then the project itself without dependencies.
Step "installing requirements\package.txt (--require-hashes) and the project"
Invoke-Checked $VenvPython @("-m", "pip", "install", "--quiet", "--require-hashes", "-r", "requirements\package.txt")
Invoke-Checked $VenvPython @("-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", ".")
$Version = & $VenvPython -c "from importlib.metadata import version; print(version('kace'))"
Step "kace $Version, $(& $VenvPython -m PyInstaller --version | ForEach-Object { "pyinstaller $_" })"

if (-not (Test-Path "resources\kace.ico")) {
    Step "drawing the icon"
    Invoke-Checked $VenvPython @("packaging\make_icon.py")
}

# --- 3. PyInstaller ----------------------------------------------------------------------------------------------
Step "PyInstaller: dist\kace (kace.exe windowed, kace-cli.exe console)"
$sw = [Diagnostics.Stopwatch]::StartNew()
Invoke-Checked $VenvPython @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
    "--distpath", "dist", "--workpath", "build\pyinstaller", "packaging\kace.spec")
$Dist = Join-Path $Root "dist\kace"
$SizeMB = [math]::Round(((Get-ChildItem $Dist -Recurse -File | Measure-Object Length -Sum).Sum / 1MB), 1)
Step "built dist\kace in $([int]$sw.Elapsed.TotalSeconds) s: $SizeMB MB"

# --- 4. smoke test of the built program --------------------------------------------------------------------------
if (-not $SkipSmoke) {
    Step "smoke test (kace-cli.exe)"
    # Windows PowerShell 5.1 turns a native program's stderr (progress, messages) into errors that "Stop" would
    # raise: exit codes are checked instead.
    $ErrorActionPreference = "Continue"
    $Cli = Join-Path $Dist "kace-cli.exe"
    $Work = Join-Path ([IO.Path]::GetTempPath()) ("kace-smoke-" + [guid]::NewGuid().ToString("N").Substring(0, 8))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $env:KACE_DATA_DIR = Join-Path $Work "data"      # never the real %LOCALAPPDATA%\kace
    $env:QT_QPA_PLATFORM = "offscreen"
    # The frozen program runs in Python's UTF-8 mode (kace.spec): read its piped output as UTF-8.
    $PrevEncoding = [Console]::OutputEncoding
    [Console]::OutputEncoding = [Text.Encoding]::UTF8
    try {
        $Db = Join-Path $Work "smoke.db"
        $out = & $Cli --version; if ($LASTEXITCODE -ne 0 -or "$out" -notmatch "^卡册 ") { throw "--version: $out" }
        Write-Host "PASS  --version: $out"
        $help = (& $Cli --help) -join "`n"; if ($LASTEXITCODE -ne 0) { throw "--help failed" }
        foreach ($c in "gui", "demo", "stats", "backup", "restore", "user") {
            if ($help -notmatch "(?m)^    $c ") { throw "--help does not list $c" }
        }
        Write-Host "PASS  --help lists the app\commands subcommands"
        & $Cli demo --db $Db --households 200; if ($LASTEXITCODE -ne 0) { throw "demo failed ($LASTEXITCODE)" }
        $stats = (& $Cli stats --json --db $Db) -join "`n" | ConvertFrom-Json
        if ($LASTEXITCODE -ne 0 -or $stats.households -ne 200) { throw "stats --json: $($stats | ConvertTo-Json)" }
        Write-Host "PASS  demo + stats --json: $($stats.households) households, $($stats.members) members"
        # Backup to and restore from an office-style folder (space, #, %, Chinese) on Windows' own file rules:
        # fsync through a writable handle, the swap of a database file, a folder name SQLite must not misread.
        $Office = Join-Path $Work "扶贫 资料\1#楼 100%"
        New-Item -ItemType Directory -Path $Office | Out-Null
        $Saved = Join-Path $Office "备份.db"
        & $Cli backup --db $Db --out $Saved
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $Saved)) { throw "backup to $Office failed ($LASTEXITCODE)" }
        "later-Passw0rd" | & $Cli user add laterclerk --password-stdin --db $Db
        if ($LASTEXITCODE -ne 0) { throw "user add failed ($LASTEXITCODE)" }
        & $Cli restore --db $Db $Saved
        if ($LASTEXITCODE -ne 0) { throw "restore from $Office failed ($LASTEXITCODE)" }
        $users = (& $Cli user list --db $Db) -join "`n"
        if ($users -match "laterclerk") { throw "restore: the user added after the backup is still there" }
        if (-not (Get-ChildItem -LiteralPath $Work -Filter "smoke.before-restore-*.db")) { throw "restore kept no copy" }
        Write-Host "PASS  backup to and restore from '$Office'"
        $village = ((& $Cli villages --db $Db) | Select-Object -First 1).Split(" ")[0]
        if ($help -match "(?m)^    print ") {
            $pdf = Join-Path $Work "register.pdf"
            & $Cli print register --village $village --db $Db --out $pdf
            if ($LASTEXITCODE -ne 0 -or -not (Test-Path $pdf)) { throw "print register failed ($LASTEXITCODE)" }
            Write-Host "PASS  print register --village ${village}: $((Get-Item $pdf).Length) bytes"
        } else { Write-Host "SKIP  print register: no 'kace print' in this build" -ForegroundColor Yellow }
        $shot = Join-Path $Work "shot.png"
        & $Cli gui --db $Db --screenshot $shot
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path $shot)) { throw "gui --screenshot failed ($LASTEXITCODE)" }
        Write-Host "PASS  gui --screenshot: $((Get-Item $shot).Length) bytes"
    } finally {
        [Console]::OutputEncoding = $PrevEncoding
        Remove-Item Env:KACE_DATA_DIR, Env:QT_QPA_PLATFORM -ErrorAction SilentlyContinue
        Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue
        $ErrorActionPreference = "Stop"
    }
}

if ($SkipInstaller) { Step "done (no installer: -SkipInstaller)"; exit 0 }

# --- 5. Inno Setup -----------------------------------------------------------------------------------------------
if (-not $Iscc) {
    $found = Get-Command ISCC.exe -ErrorAction SilentlyContinue
    if ($found) { $Iscc = $found.Source }
    else {
        $Iscc = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
                  "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe") |
            Where-Object { Test-Path $_ } | Select-Object -First 1
    }
}
if (-not $Iscc -or -not (Test-Path $Iscc)) {
    throw "ISCC.exe (Inno Setup 6.3+) not found: winget install JRSoftware.InnoSetup, or pass -Iscc PATH"
}
$IsccArgs = @("/Qp", "/DAppVersion=$Version")
$BundledIsl = Join-Path (Split-Path $Iscc) "Languages\ChineseSimplified.isl"
if ($ZhIsl) {
    $IsccArgs += "/DZhIsl=$((Resolve-Path $ZhIsl).Path)"
} elseif (-not (Test-Path $BundledIsl)) {
    $msg = "No Chinese wizard texts: $BundledIsl is missing. Put ChineseSimplified.isl (Inno Setup's translation " +
           "page) there or pass -ZhIsl FILE; -AllowEnglishWizard builds with English wizard buttons."
    if (-not $AllowEnglishWizard) { throw $msg }
    Write-Warning $msg
}
Step "Inno Setup: $Iscc"
Invoke-Checked $Iscc ($IsccArgs + @("packaging\windows\kace.iss"))
$Setup = Join-Path $Root "dist\kace-setup-$Version.exe"
Step "installer: $Setup ($([math]::Round((Get-Item $Setup).Length / 1MB, 1)) MB)"
