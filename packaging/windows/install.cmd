@echo off
rem Yichuang: install for this user. Copies the kiosk to
rem %LOCALAPPDATA%\Programs\Yichuang and adds a Start menu shortcut and, for
rem a hall terminal, a Startup shortcut that opens it fullscreen after login.
rem The data (%LOCALAPPDATA%\Yichuang) is never touched: an upgrade keeps it,
rem and the new version migrates it on its first start, with a backup first.
rem
rem This file is ASCII on purpose: cmd.exe reads a batch file in the console's
rem code page (936, GBK, on a Chinese Windows), so UTF-8 Chinese here would
rem reach PowerShell garbled. The shortcut's Chinese name is spelled in
rem PowerShell from its code points instead, and the messages are English.
setlocal
set "DEST=%LOCALAPPDATA%\Programs\Yichuang"
set "MODE=%~1"
if "%MODE%"=="" set "MODE=home"
taskkill /im Yichuang.exe /f >nul 2>&1
if not exist "%DEST%" mkdir "%DEST%"
copy /y "%~dp0Yichuang.exe" "%DEST%\Yichuang.exe" >nul || goto :fail
for %%f in (COPYRIGHT-wqy-microhei.txt LICENSE.txt THIRD-PARTY-NOTICES.txt README.txt update-key.pub) do (
  if exist "%~dp0%%f" copy /y "%~dp0%%f" "%DEST%\" >nul
)
powershell -NoProfile -ExecutionPolicy Bypass -Command ^
  "$n=[string][char]0x4E00+[char]0x7A97+' Yichuang.lnk'; $s=New-Object -ComObject WScript.Shell;" ^
  "$l=$s.CreateShortcut([IO.Path]::Combine([Environment]::GetFolderPath('Programs'),$n)); $l.TargetPath=$env:DEST+'\Yichuang.exe'; $l.WorkingDirectory=$env:DEST; $l.Save();" ^
  "$a=$s.CreateShortcut([IO.Path]::Combine([Environment]::GetFolderPath('Startup'),$n)); $a.TargetPath=$env:DEST+'\Yichuang.exe'; $a.WorkingDirectory=$env:DEST; $a.Arguments='-fullscreen -mode '+$env:MODE; $a.Save()" || goto :fail
echo Yichuang installed in %DEST% (starts after login in mode %MODE%).
exit /b 0
:fail
echo Installation failed.
exit /b 1
