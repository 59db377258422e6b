@echo off
rem Removes the program and its shortcuts; the data in %LOCALAPPDATA%\Yichuang stays.
taskkill /im Yichuang.exe /f >nul 2>&1
del /q "%APPDATA%\Microsoft\Windows\Start Menu\Programs\一窗 Yichuang.lnk" 2>nul
del /q "%APPDATA%\Microsoft\Windows\Start Menu\Programs\Startup\一窗 Yichuang.lnk" 2>nul
rmdir /s /q "%LOCALAPPDATA%\Programs\Yichuang" 2>nul
echo Removed. The data in %LOCALAPPDATA%\Yichuang was kept.
