; forkwait: the process-creation microbenchmark of Adams & Agesen (ASPLOS 2006),
; for popek's Linux guest. It forks N children (default 40,000); each child
; exits at once and the parent reaps it with waitpid before the next fork.
; It prints "forkwait: start" before the loop and "forkwait: N iterations"
; after it, then exits 0.
;
;   forkwait [N]
;
; A static i386 Linux executable with no libc: raw `int 0x80` system calls.
; The ELF header and the one program header are written out below, so the
; build needs nasm only and is byte-reproducible:
;   nasm -f bin -o forkwait.bin forkwait.asm   (scripts/build-guests.sh)
; (The output keeps the .bin name of the guests/NAME/NAME.asm layout; it is
; an ordinary ELF executable all the same.)
;
; Failures (a bad N, fork or waitpid returning an error, a child that did not
; exit with status 0) print a line on stderr and exit with status 1 or 2.

bits 32
org 0x08048000                  ; the traditional i386 load address

SYS_EXIT    equ 1
SYS_FORK    equ 2
SYS_WRITE   equ 4
SYS_WAITPID equ 7

STDOUT equ 1
STDERR equ 2

DEFAULT_N equ 40000

; ---- ELF header (System V ABI, i386 supplement) ----
ehdr:
        db 0x7f, "ELF"
        db 1                    ; EI_CLASS: ELFCLASS32
        db 1                    ; EI_DATA: little-endian
        db 1                    ; EI_VERSION: EV_CURRENT
        db 0                    ; EI_OSABI: System V
        times 8 db 0            ; EI_ABIVERSION and padding
        dw 2                    ; e_type: ET_EXEC
        dw 3                    ; e_machine: EM_386
        dd 1                    ; e_version
        dd start                ; e_entry
        dd phdr - $$            ; e_phoff
        dd 0                    ; e_shoff: no section headers
        dd 0                    ; e_flags
        dw ehdr_size            ; e_ehsize
        dw phdr_size            ; e_phentsize
        dw phnum                ; e_phnum
        dw 0, 0, 0              ; e_shentsize, e_shnum, e_shstrndx
ehdr_size equ $ - ehdr

; ---- program headers ----
; PT_LOAD: the whole file, then zeroed memory for the bss.
phdr:
        dd 1                    ; p_type: PT_LOAD
        dd 0                    ; p_offset
        dd $$                   ; p_vaddr
        dd $$                   ; p_paddr
        dd file_end - $$        ; p_filesz
        dd bss_end - $$         ; p_memsz
        dd 7                    ; p_flags: R W X (one segment keeps the file small)
        dd 0x1000               ; p_align
phdr_size equ $ - phdr
; PT_GNU_STACK without PF_X: a non-executable stack (without it the i386
; kernel assumes an executable one, warns, and sets READ_IMPLIES_EXEC).
        dd 0x6474e551           ; p_type: PT_GNU_STACK
        dd 0, 0, 0, 0, 0        ; p_offset, p_vaddr, p_paddr, p_filesz, p_memsz
        dd 6                    ; p_flags: R W
        dd 16                   ; p_align
phnum equ ($ - phdr) / phdr_size

; At entry the stack holds argc, then the argv pointers (i386 psABI, 3.4.1).
start:
        mov ebp, DEFAULT_N
        cmp dword [esp], 2
        jb .count
        mov esi, [esp + 8]      ; argv[1]
        call parse_decimal
        jc bad_count
        mov ebp, eax
.count:
        mov [count], ebp
        ; A start line, so a monitor watching the console can time the loop alone.
        mov eax, SYS_WRITE
        mov ebx, 1
        mov ecx, msg_start
        mov edx, msg_start_len
        int 0x80

.loop:
        test ebp, ebp
        jz .done
        mov eax, SYS_FORK
        int 0x80
        test eax, eax
        js fork_failed
        jz child
        mov ebx, eax            ; the child's pid
        mov eax, SYS_WAITPID
        mov ecx, status
        xor edx, edx            ; options: none
        int 0x80
        cmp eax, ebx
        jne wait_failed
        cmp dword [status], 0   ; WIFEXITED with exit status 0
        jne child_failed
        dec ebp
        jmp .loop

.done:
        ; Build "forkwait: N iterations\n" in line and write it in one call.
        mov edi, line
        mov esi, prefix
        mov ecx, prefix_len
        rep movsb
        mov eax, [count]
        call put_decimal
        mov esi, suffix
        mov ecx, suffix_len
        rep movsb
        mov edx, edi
        sub edx, line
        mov eax, SYS_WRITE
        mov ebx, STDOUT
        mov ecx, line
        int 0x80
        xor ebx, ebx
        jmp exit

child:
        xor ebx, ebx
exit:   ; ebx = status
        mov eax, SYS_EXIT
        int 0x80

bad_count:
        mov ecx, msg_usage
        mov edx, msg_usage_len
        mov ebx, 2
        jmp fail
fork_failed:
        mov ecx, msg_fork
        mov edx, msg_fork_len
        jmp fail1
wait_failed:
        mov ecx, msg_wait
        mov edx, msg_wait_len
        jmp fail1
child_failed:
        mov ecx, msg_child
        mov edx, msg_child_len
fail1:
        mov ebx, 1
fail:   ; ecx, edx = message; ebx = exit status
        push ebx
        mov eax, SYS_WRITE
        mov ebx, STDERR
        int 0x80
        pop ebx
        jmp exit

; Parse the NUL-terminated decimal at esi into eax. CF set when it is empty,
; holds a non-digit, or does not fit in 32 bits.
parse_decimal:
        xor eax, eax
        cmp byte [esi], 0
        je .bad
.next:
        movzx edx, byte [esi]
        test edx, edx
        jz .ok
        sub edx, '0'
        cmp edx, 9
        ja .bad
        imul eax, eax, 10
        jo .bad
        add eax, edx
        jc .bad
        inc esi
        jmp .next
.ok:
        clc
        ret
.bad:
        stc
        ret

; Store eax in decimal at edi and advance edi past it.
put_decimal:
        mov ebx, 10
        mov esi, digits_end
.next:
        xor edx, edx
        div ebx
        add dl, '0'
        dec esi
        mov [esi], dl
        test eax, eax
        jnz .next
        mov ecx, digits_end
        sub ecx, esi
        rep movsb
        ret

prefix:         db "forkwait: "
prefix_len      equ $ - prefix
suffix:         db " iterations", 10
suffix_len      equ $ - suffix
msg_start:      db "forkwait: start", 10
msg_start_len   equ $ - msg_start
msg_usage:      db "forkwait: usage: forkwait [N], N a decimal count below 2^32", 10
msg_usage_len   equ $ - msg_usage
msg_fork:       db "forkwait: fork failed", 10
msg_fork_len    equ $ - msg_fork
msg_wait:       db "forkwait: waitpid failed", 10
msg_wait_len    equ $ - msg_wait
msg_child:      db "forkwait: a child did not exit with status 0", 10
msg_child_len   equ $ - msg_child
file_end:

; ---- bss: only in memory (p_memsz > p_filesz), zeroed by the kernel ----
absolute file_end
        alignb 4
count:          resd 1
status:         resd 1
digits:         resb 12
digits_end:
line:           resb 64
bss_end:
