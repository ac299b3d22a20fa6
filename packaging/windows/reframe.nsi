; Reframe installer for Windows (NSIS 3, Unicode). Built by packaging/build.py nsis, which defines:
;   VERSION   e.g. 0.1.0
;   SRC_DIR   the PyInstaller one-folder build (dist\reframe)
;   OUT_FILE  the installer to write
;   ICON      resources\icons\reframe.ico
;   FLAVOUR   cpu | cuda (| -full), shown in Add/Remove Programs
;
; Installs for all users into Program Files\Reframe, adds a Start-menu folder (Reframe, Uninstall
; Reframe), registers an uninstaller in Settings > Apps, and an App Paths entry so that "reframe" runs
; from the Run dialog. Silent: Reframe-setup.exe /S [/D=C:\path] ; Uninstall.exe /S
; The uninstaller removes exactly what was installed; the photo library in %LOCALAPPDATA%\Reframe stays.

Unicode true
!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"

!define APPNAME "Reframe"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Reframe"
!define APPPATH_KEY "Software\Microsoft\Windows\CurrentVersion\App Paths\reframe.exe"

Name "${APPNAME} ${VERSION}"
OutFile "${OUT_FILE}"
InstallDir "$PROGRAMFILES64\${APPNAME}"
InstallDirRegKey HKLM "Software\${APPNAME}" "InstallDir"
RequestExecutionLevel admin
SetCompressor /SOLID lzma
SetCompressorDictSize 64
ManifestDPIAware true
BrandingText "${APPNAME} ${VERSION} (${FLAVOUR})"

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APPNAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APPNAME} installer"
VIAddVersionKey "LegalCopyright" "MIT License"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\reframe-gui.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start Reframe"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "Reframe needs 64-bit Windows."
    Abort
  ${EndIf}
  SetRegView 64
  ; An earlier version: uninstall it first (quietly, keeping the user's library).
  ReadRegStr $0 HKLM "${UNINST_KEY}" "QuietUninstallString"
  ReadRegStr $1 HKLM "${UNINST_KEY}" "InstallLocation"
  ${If} $0 != ""
  ${AndIf} ${FileExists} "$1\Uninstall.exe"
    ExecWait '"$1\Uninstall.exe" /S _?=$1'
    Delete "$1\Uninstall.exe"
    RMDir "$1"
  ${EndIf}
FunctionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

Section "Reframe" SecMain
  SectionIn RO
  SetShellVarContext all
  SetOutPath "$INSTDIR"
  File /r "${SRC_DIR}\*.*"
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  CreateDirectory "$SMPROGRAMS\${APPNAME}"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk" "$INSTDIR\reframe-gui.exe" "" "$INSTDIR\reframe-gui.exe" 0
  CreateShortcut "$SMPROGRAMS\${APPNAME}\Uninstall ${APPNAME}.lnk" "$INSTDIR\Uninstall.exe"

  WriteRegStr HKLM "Software\${APPNAME}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${APPPATH_KEY}" "" "$INSTDIR\reframe.exe"
  WriteRegStr HKLM "${APPPATH_KEY}" "Path" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "Reframe developers"
  WriteRegStr HKLM "${UNINST_KEY}" "Comments" "Photo search (${FLAVOUR})"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\reframe-gui.exe,0"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Uninstall"
  SetShellVarContext all
  Delete "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk"
  Delete "$SMPROGRAMS\${APPNAME}\Uninstall ${APPNAME}.lnk"
  RMDir "$SMPROGRAMS\${APPNAME}"

  ; Only what the installer put there, never the whole folder the user chose.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\reframe.exe"
  Delete "$INSTDIR\reframe-gui.exe"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"

  DeleteRegKey HKLM "${UNINST_KEY}"
  DeleteRegKey HKLM "${APPPATH_KEY}"
  DeleteRegKey HKLM "Software\${APPNAME}"
SectionEnd
