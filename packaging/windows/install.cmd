@echo off
rem 一窗 Yichuang: install for this user. Copies the kiosk to
rem %LOCALAPPDATA%\Programs\Yichuang and adds a Start menu shortcut and, for
rem a hall terminal, a Startup shortcut that opens it fullscreen after login.
rem The data (%LOCALAPPDATA%\Yichuang) is never touched: an upgrade keeps it,
rem and the new version migrates it on its first start, with a backup first.
setlocal
set "DEST=%LOCALAPPDATA%\Programs\Yichuang"
set "MODE=%1"
if "%MODE%"=="" set "MODE=home"
taskkill /im Yichuang.exe /f >nul 2>&1
if not exist "%DEST%" mkdir "%DEST%"
copy /y "%~dp0Yichuang.exe" "%DEST%\Yichuang.exe" >nul || goto :fail
copy /y "%~dp0COPYRIGHT-wqy-microhei.txt" "%DEST%\" >nul
powershell -NoProfile -ExecutionPolicy Bypass -Command ^
  "$s=New-Object -ComObject WScript.Shell;" ^
  "$l=$s.CreateShortcut([Environment]::GetFolderPath('Programs')+'\一窗 Yichuang.lnk'); $l.TargetPath='%DEST%\Yichuang.exe'; $l.Save();" ^
  "$a=$s.CreateShortcut([Environment]::GetFolderPath('Startup')+'\一窗 Yichuang.lnk'); $a.TargetPath='%DEST%\Yichuang.exe'; $a.Arguments='-fullscreen -mode %MODE%'; $a.Save()" || goto :fail
echo 一窗 Yichuang installed in %DEST% (starts after login in mode %MODE%).
exit /b 0
:fail
echo Installation failed.
exit /b 1
