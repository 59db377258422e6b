package locale

import "testing"

func fakeEnv(vars map[string]string, available ...string) Env {
	return Env{
		Getenv:    func(k string) string { return vars[k] },
		Setenv:    func(k, v string) error { vars[k] = v; return nil },
		Available: func() []string { return available },
	}
}

func TestEnsureUTF8(t *testing.T) {
	tests := []struct {
		name      string
		vars      map[string]string
		available []string
		wantSet   string
		wantCtype string // effective LC_CTYPE afterwards
	}{
		{"already zh_CN.UTF-8", map[string]string{"LANG": "zh_CN.UTF-8"}, nil, "", "zh_CN.UTF-8"},
		{"en_US.utf8 is fine", map[string]string{"LANG": "en_US.utf8"}, nil, "", "en_US.utf8"},
		{"unset, zh installed", map[string]string{}, []string{"C", "C.utf8", "zh_CN.utf8"}, "zh_CN.utf8", "zh_CN.utf8"},
		{"LANG=C, only C.UTF-8", map[string]string{"LANG": "C"}, []string{"C", "POSIX"}, "C.UTF-8", "C.UTF-8"},
		{"GBK locale", map[string]string{"LANG": "zh_CN.GBK"}, nil, "C.UTF-8", "C.UTF-8"},
		{"LC_ALL=C overrides", map[string]string{"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, nil, "C.UTF-8", "C.UTF-8"},
		{"LC_CTYPE=POSIX", map[string]string{"LC_CTYPE": "POSIX", "LANG": "en_US.UTF-8"}, nil, "C.UTF-8", "C.UTF-8"},
	}
	for _, tt := range tests {
		env := fakeEnv(tt.vars, tt.available...)
		got, err := EnsureUTF8(env)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.wantSet {
			t.Errorf("%s: EnsureUTF8 set %q, want %q", tt.name, got, tt.wantSet)
		}
		if eff := Effective(env.Getenv); eff != tt.wantCtype || !IsUTF8(eff) {
			t.Errorf("%s: effective LC_CTYPE = %q, want %q", tt.name, eff, tt.wantCtype)
		}
	}
}
