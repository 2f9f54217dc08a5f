; pmode_switch: real mode -> 32-bit protected mode (far jmp), 16-bit
; protected-mode code, unreal mode (a 4 GiB DS kept across the return to
; real mode, SDM vol. 3 9.9.2), back to real mode with 64 KiB segments, and
; the whole round trip again; IDT/IVT delivery in each mode.
;
; Not tested here: a real-mode access beyond 64 KiB after a proper return
; (#GP on Intel and bochs; QEMU does not check segment limits) -- see
; seg_limits.
; area: mode switches, unreal mode
; reference: qemu

%define KERNEL_NAME "pmode_switch"
%define REAL_MAIN
%include "lib/kernel.inc"

        bits 16
main16:
        mov eax, cr0
        and eax, CR0_PE
        PKV8 "real: cr0.pe=", eax
        PKVSEG " cs=", cs
        PKVSEG " ss=", ss
        PRINTLN

        ; ---------------------------------------------------------- first entry
        REAL_TO_PM32
        call pm_init32
        mov eax, cr0
        and eax, CR0_PE
        PKV8 "pm32: cr0.pe=", eax
        PKVSEG " cs=", cs
        PKVSEG " ds=", ds
        PKVSEG " ss=", ss
        str ax
        movzx eax, ax
        PKV16 " tr=", eax
        PRINTLN
        sgdt [KVARS]
        PKV16 "pm32: gdtr limit=", [KVARS]
        PKV32 " base=", [KVARS + 2]
        sidt [KVARS]
        PKV16 " idtr limit=", [KVARS]
        PKV32 " base=", [KVARS + 2]
        PRINTLN
        mov dword [HIGH_MEM], 0x600DF00D
        mov dword [HIGH_MEM + 4], 0
        PRINT "pm32 int 40: "
        TRY
        int 0x40
        ENDTRY

        ; 16-bit protected-mode code segment (base F0000, D=0)
        jmp SEL_CODE16:R(pm16)
        bits 16
pm16:   PKVSEG "pm16: cs=", cs
        mov eax, 0x12345678         ; (66 prefix in 16-bit code)
        PKV32 " eax=", eax
        PRINTLN
        jmp dword SEL_CODE32:pm32_back
        bits 32
pm32_back:
        PKVSEG "pm32 again: cs=", cs
        PRINTLN

        ; ---------------------------------------------------------- unreal mode
        ; DS/ES/FS/GS keep their flat 4 GiB descriptors in real mode
        PM32_TO_REAL keep
        mov eax, cr0
        and eax, CR0_PE
        PKV8 "unreal: cr0.pe=", eax
        PKVSEG " cs=", cs
        PKVSEG " ds=", ds
        PKVSEG " fs=", fs
        PKVSEG " ss=", ss
        mov ebx, HIGH_MEM
        mov eax, [ds:ebx]
        PKV32 " [ds:100000]=", eax
        mov dword [fs:ebx + 4], 0x11223344
        PRINTLN

        ; ---------------------------------------------------------- second entry
        REAL_TO_PM32
        PRINT "pm32 (2nd): "
        mov eax, [HIGH_MEM + 4]
        PKV32 "[100004] written in unreal mode=", eax
        PKVSEG " cs=", cs
        PRINTLN
        PRINT "pm32 (2nd) int 41: "
        TRY
        int 0x41
        ENDTRY

        ; ---------------------------------------------------------- proper return
        PM32_TO_REAL
        mov eax, cr0
        and eax, CR0_PE
        PKV8 "real (2nd): cr0.pe=", eax
        PKVSEG " cs=", cs
        PKVSEG " ds=", ds
        PKVSEG " es=", es
        PKVSEG " ss=", ss
        o32 sidt [KVARS]
        PKV16 " idtr limit=", [KVARS]
        PKV32 " base=", [KVARS + 2]
        PRINTLN
        PRINT "real int 42: "
        TRY
        int 0x42
        ENDTRY
        ; segment arithmetic is back: 0x1000:0x0000 is physical 0x10000
        mov dword [KVARS + 0x20], 0
        mov ax, 0x0080
        mov es, ax
        mov dword [es:0x0020], 0xA5A55A5A   ; physical 0x820
        mov eax, [KVARS + 0x20]
        PKV32 "real: 0080:0020 -> [0820]=", eax
        PRINTLN

        ; ---------------------------------------------------------- third entry
        REAL_TO_PM32
        PRINT "pm32 (3rd): "
        mov eax, [HIGH_MEM]
        PKV32 "[100000]=", eax
        PRINTLN
        EXIT 0

%include "lib/tail.inc"
